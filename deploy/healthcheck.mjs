#!/usr/bin/env node
// The image's HEALTHCHECK: exits 0 when the role's admin listener (CHAT_ADMIN_HOST,
// CHAT_ADMIN_PORT: 0.0.0.0 and 9089 in the image, for every role) answers /healthz with 200.

const TIMEOUT_MS = 2_000;

/** A wildcard listen address is reached through the loopback. */
function reachable(host) {
  if (host === undefined || host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

const port = process.env.CHAT_ADMIN_PORT;
if (port === undefined || port === '') {
  process.stderr.write('CHAT_ADMIN_PORT is not set: it names the admin listener to ask\n');
  process.exit(1);
}
const url = `http://${reachable(process.env.CHAT_ADMIN_HOST)}:${port}/healthz`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (response.status === 200) process.exit(0);
  process.stderr.write(`${url} answered ${response.status}\n`);
} catch (error) {
  process.stderr.write(`${url}: ${error instanceof Error ? error.message : String(error)}\n`);
}
process.exit(1);
