/** NATS reads the user part alone as a token (`nats://<token>@host`). */
const TOKEN_IN_USER_SCHEMES = new Set(['nats:', 'tls:', 'ws:', 'wss:']);

/**
 * A service URL safe to log or print: its password (Postgres, Redis `redis://:pass@`), a NATS
 * token in the user part, and a `password` query parameter become `***`. Takes a comma-separated
 * list (CHAT_NATS_URL) too. Text that is not a URL is returned as it is.
 */
export function redactUrl(url: string): string {
  return url
    .split(',')
    .map((part) => redactOne(part))
    .join(',');
}

function redactOne(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return url;
  }
  let changed = false;
  if (parsed.password !== '') {
    parsed.password = '***';
    changed = true;
  } else if (parsed.username !== '' && TOKEN_IN_USER_SCHEMES.has(parsed.protocol)) {
    parsed.username = '***';
    changed = true;
  }
  if (parsed.searchParams.has('password')) {
    parsed.searchParams.set('password', '***');
    changed = true;
  }
  return changed ? parsed.toString() : url;
}
