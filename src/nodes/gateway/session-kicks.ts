import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { TokenRevocations } from '../../core/auth/revocations.js';
import { decodeJson } from '../../core/bus/envelopes.js';
import type { GatewayControl, KickCommand } from '../../core/bus/gateway-control.js';
import { CLOSE_CODES } from '../../core/protocol/errors.js';
import { errorFrame } from './gateway-context.js';
import type { GatewaySession } from './gateway-session.js';
import type { LocalSessions } from './local-sessions.js';

/** A hello verified just before a revocation arrived may be registered just after: swept again then. */
const SECOND_SWEEP_MS = 1000;
/** How often the revocation mirror is reloaded from Postgres, for kicks this gateway missed. */
const RELOAD_MS = 60_000;

/**
 * `chat-node admin kick` on this gateway process: closes the kicked user's (device's) sessions
 * with `unauthorized` and 4401, and keeps its token revocations (checked at every hello and
 * long-poll request, in memory).
 */
export class SessionKicks {
  private subscription?: Subscription;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    private readonly sessions: LocalSessions,
    private readonly revocations: TokenRevocations,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.subscription = this.nc.subscribe(this.subject, {
      callback: (error, message) => {
        if (error) return;
        const command = decodeJson<GatewayControl>(message.data);
        if (command?.type === 'kick' && typeof command.user === 'string') this.kick(command);
      },
    });
    const reload = setInterval(
      () =>
        void this.revocations
          .load()
          .catch((error: unknown) => this.log.warn({ err: error }, 'could not reload token revocations')),
      RELOAD_MS,
    );
    reload.unref();
    this.timers.add(reload);
  }

  private kick(command: KickCommand): void {
    if (command.notBefore !== undefined) this.revocations.apply(command.user, command.device, command.notBefore);
    const closed = this.close(command);
    this.log.warn(
      { user: command.user, device: command.device, revoked: command.notBefore !== undefined, closed },
      'an operator kicked a user',
    );
    const again = setTimeout(() => {
      this.timers.delete(again);
      // Only sessions that came in before the revocation: a device that signed in again since is welcome.
      if (command.notBefore !== undefined) this.close(command, command.notBefore);
    }, SECOND_SWEEP_MS);
    this.timers.add(again);
  }

  /** Closes the matching sessions (with `issuedBefore`, only those whose token is older); returns how many. */
  private close(command: KickCommand, issuedBefore?: number): number {
    let closed = 0;
    for (const session of [...this.sessions.sessionsOf(command.user)] as GatewaySession[]) {
      if (command.device !== undefined && session.device !== command.device) continue;
      if (issuedBefore !== undefined && (session.issuedAt ?? 0) >= issuedBefore) continue;
      session.write(
        errorFrame(undefined, 'unauthorized', 'an operator closed this connection; reconnect with a fresh token'),
      );
      session.closeOrCut(CLOSE_CODES.unauthorized, 'kicked');
      closed++;
    }
    return closed;
  }

  stop(): void {
    this.subscription?.unsubscribe();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
