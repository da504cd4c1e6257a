import type pg from 'pg';
import { inTransaction } from '../storage/postgres.js';
import type { DeviceIdentity } from './jwt.js';

/** Stands for every device of the user in a revocation (no device id can be '*'). */
const ALL_DEVICES = '*';

/** Postgres's undefined_table: the database predates migrations/006_token_revocations.sql. */
const UNDEFINED_TABLE = '42P01';

interface RevocationRow {
  user_id: string;
  device: string;
  not_before: number;
}

/**
 * Tokens an operator revoked (`chat-node admin kick --revoke`): per user, and per device or for
 * all of them, the second before which every token (by its `iat`) is refused.
 *
 * Kept in Postgres (table token_revocations): a revocation is a security decision, so it must
 * outlive a Redis flush or failover. Each gateway mirrors the table in memory: the hello path
 * checks the mirror and pays no round trip. A gateway loads the mirror at start, takes each new
 * revocation from the kick message, and reloads every minute for what it missed (a NATS outage).
 * A revocation lives as long as the longest token could (--max-token-ttl): after that no token
 * issued before it is valid anyway, so loads skip it and the next revocation deletes it.
 */
export class TokenRevocations {
  private notBefore = new Map<string, Map<string, number>>();
  /** Set while a load runs: what apply() took meanwhile, which the load's older read may lack. */
  private appliedDuringLoad?: Array<[user: string, deviceKey: string, notBeforeSec: number]>;
  private loading?: Promise<void>;

  constructor(private readonly pool: pg.Pool) {}

  /**
   * Refuses the tokens of `user` (of one `device`, or all) issued before `notBeforeSec`, for
   * `ttlSec` after it (0: for ever). A second revocation of the same user (device) keeps the later
   * second and the later expiry.
   */
  async revoke(user: string, device: string | undefined, notBeforeSec: number, ttlSec: number): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      // The only writer keeps the table small: rows past their expiry refuse nothing.
      await client.query('DELETE FROM token_revocations WHERE expires_at <= now()');
      await client.query(
        `INSERT INTO token_revocations (user_id, device, not_before, expires_at)
         VALUES ($1, $2, to_timestamp($3), CASE WHEN $4::bigint > 0 THEN to_timestamp($3 + $4::bigint) END)
         ON CONFLICT (user_id, device) DO UPDATE SET
           not_before = GREATEST(token_revocations.not_before, EXCLUDED.not_before),
           expires_at = CASE WHEN token_revocations.expires_at IS NULL OR EXCLUDED.expires_at IS NULL THEN NULL
                             ELSE GREATEST(token_revocations.expires_at, EXCLUDED.expires_at) END`,
        [user, device ?? ALL_DEVICES, notBeforeSec, ttlSec],
      );
    }).catch(rethrowExplained);
  }

  /** Replaces the mirror with the revocations in Postgres that have not expired (one load at a time). */
  load(): Promise<void> {
    this.loading ??= this.read().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async read(): Promise<void> {
    this.appliedDuringLoad = [];
    try {
      const { rows } = await this.pool
        .query<RevocationRow>(
          `SELECT user_id, device, extract(epoch FROM not_before)::float8 AS not_before
             FROM token_revocations WHERE expires_at IS NULL OR expires_at > now()`,
        )
        .catch(rethrowExplained);
      const applied = this.appliedDuringLoad;
      this.notBefore = new Map();
      for (const row of rows) this.raise(row.user_id, row.device, row.not_before);
      // A kick message that arrived while the query ran may be newer than what it read.
      for (const [user, deviceKey, notBeforeSec] of applied) this.raise(user, deviceKey, notBeforeSec);
    } finally {
      this.appliedDuringLoad = undefined;
    }
  }

  /** A revocation just announced (the kick message), before the next load. */
  apply(user: string, device: string | undefined, notBeforeSec: number): void {
    const deviceKey = device ?? ALL_DEVICES;
    this.appliedDuringLoad?.push([user, deviceKey, notBeforeSec]);
    this.raise(user, deviceKey, notBeforeSec);
  }

  private raise(user: string, deviceKey: string, notBeforeSec: number): void {
    const devices = this.notBefore.get(user) ?? new Map<string, number>();
    devices.set(deviceKey, Math.max(devices.get(deviceKey) ?? 0, notBeforeSec));
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

/** A database without the table gets told what to run rather than Postgres's bare message. */
function rethrowExplained(error: unknown): never {
  if ((error as { code?: unknown }).code !== UNDEFINED_TABLE) throw error;
  throw new Error(
    'the table token_revocations is missing: run `chat-node migrate` (migrations/006_token_revocations.sql)',
  );
}

/** The first whole second after `ms`: a token issued in the same second may predate the revocation. */
export function revocationSecond(ms: number): number {
  return Math.floor(ms / 1000) + 1;
}
