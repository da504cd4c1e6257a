import type { Redis } from 'ioredis';
import type { DeviceIdentity } from './jwt.js';

/** Stands for every device of the user in a revocation. */
const ALL_DEVICES = '*';

/**
 * Tokens an operator revoked (`chat-node admin kick --revoke`): per user, and per device or for
 * all of them, the second before which every token (by its `iat`) is refused.
 *
 * Kept in Redis (`<ns>:revoked:{user}`, a hash device -> seconds, listed in `<ns>:revoked-users`)
 * and mirrored in each gateway's memory: the hello path checks the mirror and pays no round trip.
 * A gateway loads the mirror at start, takes each new revocation from the kick message, and
 * reloads every minute for what it missed (a NATS outage). A revocation lives as long as the
 * longest token could (--max-token-ttl): after that no token issued before it is valid anyway.
 */
export class TokenRevocations {
  private notBefore = new Map<string, Map<string, number>>();

  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
  ) {}

  private key(user: string): string {
    return `${this.namespace}:revoked:{${user}}`;
  }

  private get usersKey(): string {
    return `${this.namespace}:revoked-users`;
  }

  /**
   * Refuses the tokens of `user` (of one `device`, or all) issued before `notBeforeSec`, for
   * `ttlSec` (0: until removed by hand). Returns what to tell the gateways.
   */
  async revoke(user: string, device: string | undefined, notBeforeSec: number, ttlSec: number): Promise<void> {
    const pipeline = this.redis.multi().hset(this.key(user), device ?? ALL_DEVICES, String(notBeforeSec)).sadd(this.usersKey, user);
    if (ttlSec > 0) pipeline.expire(this.key(user), ttlSec);
    await pipeline.exec();
  }

  /** Replaces the mirror with what Redis holds (and forgets users whose revocations expired). */
  async load(): Promise<void> {
    const users = await this.redis.smembers(this.usersKey);
    const pipeline = this.redis.pipeline();
    for (const user of users) pipeline.hgetall(this.key(user));
    const results = users.length > 0 ? ((await pipeline.exec()) ?? []) : [];
    const next = new Map<string, Map<string, number>>();
    const expired: string[] = [];
    users.forEach((user, i) => {
      const fields = (results[i]?.[1] ?? {}) as Record<string, string>;
      const devices = new Map(Object.entries(fields).map(([device, at]) => [device, Number(at)] as const));
      if (devices.size === 0) expired.push(user);
      else next.set(user, devices);
    });
    if (expired.length > 0) await this.redis.srem(this.usersKey, ...expired);
    this.notBefore = next;
  }

  /** A revocation just announced (the kick message), before the next load. */
  apply(user: string, device: string | undefined, notBeforeSec: number): void {
    const devices = this.notBefore.get(user) ?? new Map<string, number>();
    const key = device ?? ALL_DEVICES;
    devices.set(key, Math.max(devices.get(key) ?? 0, notBeforeSec));
    this.notBefore.set(user, devices);
  }

  /** Why this token is refused, or undefined. A token without `iat` counts as issued before any revocation. */
  refusal(identity: Pick<DeviceIdentity, 'user' | 'device' | 'issuedAt'>): string | undefined {
    const devices = this.notBefore.get(identity.user);
    if (!devices) return undefined;
    const notBefore = Math.max(devices.get(ALL_DEVICES) ?? 0, devices.get(identity.device) ?? 0);
    if ((identity.issuedAt ?? 0) >= notBefore) return undefined;
    return `an operator revoked the tokens of ${identity.user}/${identity.device} issued before ${new Date(notBefore * 1000).toISOString()}: sign in again`;
  }
}

/** The first whole second after `ms`: a token issued in the same second may predate the revocation. */
export function revocationSecond(ms: number): number {
  return Math.floor(ms / 1000) + 1;
}
