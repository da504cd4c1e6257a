import { Command, Flags } from '@oclif/core';
import { parseDuration } from '../../core/auth/jwt.js';
import { revocationSecond, TokenRevocations } from '../../core/auth/revocations.js';
import { encodeJson } from '../../core/bus/envelopes.js';
import type { KickCommand } from '../../core/bus/gateway-control.js';
import { connectNats } from '../../core/bus/nats.js';
import { Subjects } from '../../core/bus/subjects.js';
import { redactUrl } from '../../core/config/redact-url.js';
import { isId } from '../../core/protocol/ids.js';
import { createPool } from '../../core/storage/postgres.js';

export default class AdminKick extends Command {
  static override summary = "Close a user's (or one device's) connections on every gateway";
  static override description = [
    'Every gateway process closes the matching connections with `error` `unauthorized` and close 4401 (a client with a token provider signs in again).',
    "With --revoke, the tokens of the user (of --device only, when given) issued before now (by their iat; one without iat counts as older) are refused at hello and on every long-poll request, on every gateway, for --max-token-ttl (keep it at least the gateways' own: by then every older token has expired anyway). Writes the revocation to Postgres (so --revoke needs --postgres-url; it outlives a Redis flush or failover), then tells the gateways over NATS; a gateway that missed the message reads it within a minute.",
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> admin kick --user alice --device old-phone',
    '<%= config.bin %> admin kick --user mallory --revoke',
  ];
  static override flags = {
    user: Flags.string({ description: 'user id', required: true }),
    device: Flags.string({ description: 'only this device of the user (default: every device)' }),
    revoke: Flags.boolean({
      description: 'also refuse the tokens issued before now (kept in Postgres: needs --postgres-url)',
      default: false,
    }),
    'max-token-ttl': Flags.string({
      description: "how long a revocation is kept: the gateways' --max-token-ttl or more; 0 = for ever",
      env: 'CHAT_MAX_TOKEN_TTL',
      default: '1d',
    }),
    'postgres-url': Flags.string({ description: 'Postgres URL (only --revoke uses it)', env: 'CHAT_POSTGRES_URL' }),
    'nats-url': Flags.string({ description: 'NATS servers, comma-separated', env: 'CHAT_NATS_URL', required: true }),
    namespace: Flags.string({ description: "the cluster's namespace", env: 'CHAT_NAMESPACE', default: 'chat' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AdminKick);
    for (const [name, value] of [
      ['user', flags.user],
      ['device', flags.device],
    ] as const) {
      if (value !== undefined && !isId(value)) this.error(`--${name} must match ^[A-Za-z0-9_-]{1,64}$`, { exit: 2 });
    }
    const postgresUrl = flags['postgres-url'];
    if (flags.revoke && !postgresUrl)
      this.error('--revoke keeps the revocation in Postgres: pass --postgres-url or set CHAT_POSTGRES_URL', {
        exit: 2,
      });
    let ttlSec: number;
    try {
      ttlSec = parseDuration(flags['max-token-ttl']);
    } catch (error) {
      this.error((error as Error).message, { exit: 2 });
    }
    const who = flags.device ? `${flags.user}/${flags.device}` : `${flags.user} (every device)`;
    const command: KickCommand = { type: 'kick', user: flags.user, ...(flags.device ? { device: flags.device } : {}) };
    if (postgresUrl && flags.revoke) {
      // Written first: a gateway that starts or reloads meanwhile finds it there.
      const pool = createPool(postgresUrl, 1);
      try {
        command.notBefore = revocationSecond(Date.now());
        await new TokenRevocations(pool).revoke(flags.user, flags.device, command.notBefore, ttlSec);
      } catch (error) {
        this.error(
          `cannot write the revocation to Postgres at ${redactUrl(postgresUrl)}: ${(error as Error).message}`,
          { exit: 1 },
        );
      } finally {
        await pool.end();
      }
    }
    let nc;
    try {
      nc = await connectNats(flags['nats-url'], 'admin-kick');
    } catch (error) {
      this.error(`cannot reach NATS at ${redactUrl(flags['nats-url'])}: ${(error as Error).message}`, { exit: 1 });
    }
    try {
      nc.publish(new Subjects(flags.namespace, 1).gatewayControl, encodeJson(command));
      await nc.flush();
    } finally {
      await nc.close();
    }
    this.log(`asked every gateway to close the connections of ${who}`);
    if (command.notBefore !== undefined) {
      const until = ttlSec > 0 ? ` for ${flags['max-token-ttl']}` : '';
      this.log(
        `tokens of ${who} issued before ${new Date(command.notBefore * 1000).toISOString()} are refused${until}`,
      );
    }
  }
}
