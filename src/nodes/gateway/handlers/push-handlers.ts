import type { ClientFrameOf } from '../../../core/protocol/client-frames.js';
import type { GatewayContext, RequestScope } from '../gateway-context.js';

/** push.register and push.unregister: this device's push token and preview setting. */
export class PushHandlers {
  constructor(private readonly ctx: GatewayContext) {}

  async register(scope: RequestScope, frame: ClientFrameOf<'push.register'>): Promise<void> {
    const { user, device } = scope.session;
    await this.ctx.push.register({ user, device, platform: frame.platform, token: frame.token, preview: frame.preview ?? true });
    scope.reply({ type: 'ok' });
  }

  async unregister(scope: RequestScope): Promise<void> {
    await this.ctx.push.unregister(scope.session.user, scope.session.device);
    scope.reply({ type: 'ok' });
  }
}
