import { Flags } from '@oclif/core';
import { PushAdminCommand } from '../../cli/push-admin-command.js';
import { isId } from '../../core/protocol/ids.js';
import { pushTokenProblem } from '../../core/push/push-token-shape.js';

export default class PushRegister extends PushAdminCommand {
  static override summary = "Set a device's push token and its settings (preview, muted rooms)";
  static override description =
    "The same as a device sending push.register, plus muted rooms. A token registered for another device moves to this one, even another user's (a device's push.register refuses that with conflict; an operator may move it).";
  static override examples = [
    {
      description: "An iPhone's APNs token",
      command:
        '<%= config.bin %> push register --user alice --device phone --platform apns\n--token 740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad',
    },
    {
      description: 'An FCM token, with content-free notifications and one room muted',
      command:
        '<%= config.bin %> push register --user bob --device pixel --platform fcm\n--token fcm-token --no-preview --mute g_3kq9Xb2mH1aPz0Lw',
    },
  ];
  static override flags = {
    user: Flags.string({ description: 'user id', required: true }),
    device: Flags.string({ description: 'device id', required: true }),
    platform: Flags.string({ description: 'push service', options: ['apns', 'fcm'], required: true }),
    token: Flags.string({ description: 'the device token the platform gave the app', required: true }),
    preview: Flags.boolean({
      description: 'show sender and text in notifications (--no-preview: content-free)',
      default: true,
      allowNo: true,
    }),
    mute: Flags.string({ description: 'room to mute on this device (repeatable)', multiple: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PushRegister);
    for (const id of [flags.user, flags.device, ...(flags.mute ?? [])]) {
      if (!isId(id)) this.error(`${id} is not a valid id (^[A-Za-z0-9_-]{1,64}$)`, { exit: 2 });
    }
    const platform = flags.platform as 'apns' | 'fcm';
    const problem = pushTokenProblem(platform, flags.token);
    if (problem) this.error(problem, { exit: 2 });
    await this.withStore(flags['postgres-url'], (store) =>
      store.register(
        {
          user: flags.user,
          device: flags.device,
          platform,
          token: flags.token,
          preview: flags.preview,
          mutedRooms: flags.mute,
        },
        { anyUser: true },
      ),
    );
    this.log(
      `registered ${flags.platform} push for ${flags.user}/${flags.device}${flags.preview ? '' : ' (no preview)'}${flags.mute?.length ? `, muted: ${flags.mute.join(', ')}` : ''}`,
    );
  }
}
