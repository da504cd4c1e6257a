import { Command, Flags } from '@oclif/core';
import { settingFlags, startupConfigOf } from '../cli/flags.js';
import { untilSignal } from '../cli/lifecycle.js';
import { providerFlagsOf } from '../cli/push-flags.js';
import { createLogger } from '../core/observability/logger.js';
import { startLocalFakes, type LocalFakes } from '../nodes/pusher/local-fakes.js';
import { apnsSettingsOf, fcmSettingsOf, providersOf } from '../nodes/pusher/provider-config.js';
import { PusherNode } from '../nodes/pusher/pusher-node.js';

export default class Pusher extends Command {
  static override summary = 'Run a pusher: sends the push work queue through APNs and FCM';
  static override description = [
    "Collapses bursts per device and room into one notification, renders it (content-free for devices without preview), sets the badge to the user's unread total, and sends it with @parse/node-apn (APNs, token auth) or firebase-admin (FCM HTTP v1).",
    'Throttling and server errors are retried with backoff and jitter (honouring Retry-After); while a provider is down its jobs stay queued, and the other provider carries on. Dead tokens are removed. A platform without credentials keeps its jobs queued.',
    '--fake runs local APNs and FCM fakes instead and appends what they accept to <data-dir>/push/received.jsonl.',
  ].join('\n\n');
  static override examples = [
    {
      description: 'APNs with a token signing key',
      command:
        '<%= config.bin %> pusher --apns-key-file AuthKey_ABC123DEFG.p8\n--apns-key-id ABC123DEFG --apns-team-id DEF123GHIJ\n--apns-topic com.example.chat',
    },
    '<%= config.bin %> pusher --fcm-service-account-file firebase-key.json',
    '<%= config.bin %> pusher --fake',
  ];
  static override flags = {
    fake: Flags.boolean({ description: 'send to local APNs and FCM fakes (development)' }),
    ...settingFlags('pusher'),
  };

  async run(): Promise<void> {
    const parsed = await this.parse(Pusher);
    const { config, settings } = startupConfigOf(this, 'pusher', parsed);
    const { flags } = parsed;
    const log = createLogger('pusher', config.nodeId, config.logLevel);
    let fakes: LocalFakes | undefined;
    let providers;
    try {
      if (flags.fake) {
        fakes = await startLocalFakes(settings.string('dataDir')!);
        providers = providersOf(fakes.apns, fakes.fcm);
        log.info({ received: fakes.receivedFile }, 'sending to local APNs and FCM fakes');
      } else {
        const provider = providerFlagsOf(settings);
        providers = providersOf(apnsSettingsOf(provider), fcmSettingsOf(provider));
      }
    } catch (error) {
      await fakes?.stop();
      this.error((error as Error).message, { exit: 2 });
    }
    const node = new PusherNode({
      config,
      log,
      providers,
      collapseWindowMs: settings.integer('collapseWindowMs'),
      concurrency: settings.integer('pushConcurrency'),
      httpPort: settings.integer('adminPort')!,
      httpHost: settings.string('adminHost')!,
    });
    await node.start();
    await untilSignal(async () => {
      await node.stop();
      await fakes?.stop();
    });
  }
}
