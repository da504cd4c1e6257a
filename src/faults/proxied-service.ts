import { TcpFaultProxy } from './tcp-proxy.js';

/** A service reached through a fault proxy: give the role `url`, switch `proxy`'s mode in the test. */
export interface ProxiedService {
  proxy: TcpFaultProxy;
  /** The service URL with host:port replaced by the proxy's (user, password, path and query kept). */
  url: string;
}

const DEFAULT_PORTS: Record<string, number> = { 'postgres:': 5432, 'postgresql:': 5432, 'redis:': 6379, 'nats:': 4222 };

/** The host and port a service URL points at (the scheme's default port when it has none). */
export function hostPortOf(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  const port = parsed.port === '' ? DEFAULT_PORTS[parsed.protocol] : Number(parsed.port);
  if (port === undefined)
    throw new Error(`no port in ${parsed.protocol}//${parsed.host} and no default for ${parsed.protocol}`);
  // IPv6 hosts come bracketed from URL; net.connect wants them bare.
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

/** `url` with its host and port replaced. */
export function withHostPort(url: string, host: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = host;
  parsed.port = String(port);
  return parsed.toString();
}

/**
 * Starts a pass-through fault proxy in front of the service at `url` (one server: for a NATS
 * server list, proxy each URL). E.g. `const redis = await proxyService(redisUrl)`, start the role
 * with `redis.url`, then `await redis.proxy.setMode({ kind: 'blackhole' })`.
 */
export async function proxyService(url: string): Promise<ProxiedService> {
  const target = hostPortOf(url);
  const proxy = await TcpFaultProxy.start({ targetHost: target.host, targetPort: target.port });
  return { proxy, url: withHostPort(url, proxy.host, proxy.port) };
}
