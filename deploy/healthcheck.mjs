#!/usr/bin/env node
// The image's HEALTHCHECK: exits 0 when the role's admin listener answers /healthz with 200.
// One image runs every role, and the admin port has two names: the gateway's CHAT_ADMIN_HOST and
// CHAT_ADMIN_PORT, the other roles' CHAT_HOST and CHAT_HTTP_PORT (the image sets both ports to
// 9089). So it asks each address those name and needs not know which role runs; a gateway's
// CHAT_HOST:CHAT_HTTP_PORT names nothing it serves and simply does not answer.

const TIMEOUT_MS = 2_000;

/** A wildcard listen address is reached through the loopback. */
function reachable(host) {
  if (host === undefined || host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

const env = process.env;
const urls = new Set(
  [
    [env.CHAT_ADMIN_HOST, env.CHAT_ADMIN_PORT],
    [env.CHAT_HOST, env.CHAT_HTTP_PORT],
  ]
    .filter(([, port]) => port !== undefined && port !== '')
    .map(([host, port]) => `http://${reachable(host)}:${port}/healthz`),
);

async function answers(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    return response.status === 200;
  } catch {
    return false;
  }
}

const results = await Promise.all([...urls].map(answers));
if (results.includes(true)) process.exit(0);
process.stderr.write(`no /healthz answered 200: ${[...urls].join(', ') || 'CHAT_ADMIN_PORT and CHAT_HTTP_PORT are unset'}\n`);
process.exit(1);
