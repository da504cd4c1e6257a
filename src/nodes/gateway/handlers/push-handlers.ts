import { ProtocolError } from '../../../core/protocol/errors.js';
import type { ClientFrameOf } from '../../../core/protocol/client-frames.js';
import { pushTokenProblem } from '../../../core/push/push-token-shape.js';
import { PushTokenTakenError } from '../../../core/storage/push-store.js';
import type { GatewayContext, RequestScope } from '../gateway-context.js';

export type PushContext = Pick<GatewayContext, 'push'>;

/** push.register and push.unregister: this device's push token and preview setting. */
export class PushHandlers {
  constructor(private readonly ctx: PushContext) {}

  async register(scope: RequestScope, frame: ClientFrameOf<'push.register'>): Promise<void> {
    const { user, device } = scope.session;
    const problem = pushTokenProblem(frame.platform, frame.token);
    if (problem) throw new ProtocolError('bad_frame', problem);
    try {
      await this.ctx.push.register({
        user,
        device,
        platform: frame.platform,
        token: frame.token,
        preview: frame.preview ?? true,
      });
    } catch (error) {
      if (error instanceof PushTokenTakenError) {
        throw new ProtocolError(
          'conflict',
          `${error.message}: that user must unregister it first (an app gets a fresh token from the platform when another user signs in)`,
        );
      }
      throw error;
    }
    scope.reply({ type: 'ok' });
  }

  async unregister(scope: RequestScope): Promise<void> {
    await this.ctx.push.unregister(scope.session.user, scope.session.device);
    scope.reply({ type: 'ok' });
  }
}
