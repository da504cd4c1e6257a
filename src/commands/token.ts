import { Command, Flags } from '@oclif/core';
import { jwtSecretFlags, jwtSecretOf } from '../cli/flags.js';
import { parseDuration, signDeviceToken } from '../core/auth/jwt.js';
import { DEFAULT_DATA_DIR, devSecretPath, readDevSecret } from '../core/config/dev-secret.js';
import { isId } from '../core/protocol/ids.js';

export default class Token extends Command {
  static override summary = 'Print a device token (JWT) for a user and device';
  static override description = [
    "Signs with the secret of --jwt-secret-file or CHAT_JWT_SECRET (HS256) when set, else with the secret that `chat-node dev` keeps in its data folder. The token's claims: sub = user, device = device, iat = now, exp = now + ttl.",
    'A gateway refuses a token whose ttl is longer than its --max-token-ttl (default 1d).',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> token --user alice --device laptop',
    'TOKEN=$(<%= config.bin %> token --user bob --device phone --ttl 12h)',
  ];
  static override flags = {
    user: Flags.string({ description: 'user id (^[A-Za-z0-9_-]{1,64}$)', required: true }),
    device: Flags.string({ description: 'device id (^[A-Za-z0-9_-]{1,64}$)', required: true }),
    ttl: Flags.string({ description: 'lifetime: 90s, 15m, 1h, 7d', default: '1h' }),
    'data-dir': Flags.string({
      description: 'data folder of `chat-node dev`',
      default: DEFAULT_DATA_DIR,
      env: 'CHAT_DATA_DIR',
    }),
    ...jwtSecretFlags,
    'jwt-issuer': Flags.string({ description: 'iss claim', env: 'CHAT_JWT_ISSUER' }),
    'jwt-audience': Flags.string({ description: 'aud claim', env: 'CHAT_JWT_AUDIENCE' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Token);
    for (const name of ['user', 'device'] as const) {
      if (!isId(flags[name])) this.error(`--${name} must match ^[A-Za-z0-9_-]{1,64}$`, { exit: 2 });
    }
    let ttlSeconds: number;
    try {
      ttlSeconds = parseDuration(flags.ttl);
    } catch (error) {
      this.error((error as Error).message, { exit: 2 });
    }
    let secret: string | undefined;
    try {
      secret = jwtSecretOf(flags) ?? readDevSecret(flags['data-dir']);
    } catch (error) {
      this.error((error as Error).message, { exit: 2 });
    }
    if (!secret) {
      this.error(
        `no signing key: set CHAT_JWT_SECRET, or start \`chat-node dev\` once so that it creates ${devSecretPath(flags['data-dir'])}`,
        { exit: 2 },
      );
    }
    const token = await signDeviceToken({
      secret,
      user: flags.user,
      device: flags.device,
      ttlSeconds,
      issuer: flags['jwt-issuer'],
      audience: flags['jwt-audience'],
    });
    this.log(token);
  }
}
