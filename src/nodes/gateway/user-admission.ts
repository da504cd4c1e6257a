import { ProtocolError } from '../../core/protocol/errors.js';

/** How long a refused client should wait before it tries again (a connection or device may have gone by then). */
export const ADMISSION_RETRY_AFTER_MS = 5000;

export interface AdmissionLimits {
  /** Most connections one user holds on this gateway process, of all its devices (CHAT_MAX_CONNECTIONS_PER_USER, default 32). */
  maxConnectionsPerUser: number;
  /** Most distinct devices of one user online across the cluster (CHAT_MAX_DEVICES_PER_USER, default 16). */
  maxDevicesPerUser: number;
}

/**
 * Registers the device's route unless the user already has `maxDevices` other devices online
 * (in the route registry, cluster-wide), in one round trip; says how many others there were.
 */
export type DeviceRegistration = (
  user: string,
  device: string,
  maxDevices: number,
  conn?: string,
) => Promise<{ registered: boolean; otherDevices: number }>;

/**
 * Caps what one user may hold, so that a stolen or scripted token cannot exhaust a gateway's
 * sockets (each process has ~20k) or fan a user's deliveries out to unbounded devices.
 *
 * Connections are counted here, per process, exactly: a slot is taken synchronously before
 * the handshake does any I/O, so a burst of simultaneous hellos cannot all slip in, and given
 * back when the session ends or its handshake fails. Devices are counted cluster-wide from the
 * route registry, by the same round trip that registers the device's route (a hello used to
 * pay a read, then the write); two new devices of one user connecting at the same instant may
 * both get in (the cap is soft by one or two, which is enough to stop abuse without a
 * distributed lock). An admitted device is registered: its route points at this gateway.
 */
export class UserAdmission {
  private readonly held = new Map<string, number>();

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly registerDevice: DeviceRegistration,
  ) {}

  /**
   * Takes a connection slot for the user and registers the device's route, or throws
   * `rate_limited`; call release() once for every admit that returned.
   */
  async admit(user: string, device: string, conn?: string): Promise<void> {
    const here = this.held.get(user) ?? 0;
    if (here >= this.limits.maxConnectionsPerUser) {
      throw new ProtocolError(
        'rate_limited',
        `too many connections: user ${user} already holds ${here} on this gateway (the limit is ${this.limits.maxConnectionsPerUser})`,
        ADMISSION_RETRY_AFTER_MS,
      );
    }
    this.held.set(user, here + 1);
    try {
      const { registered, otherDevices } = await this.registerDevice(user, device, this.limits.maxDevicesPerUser, conn);
      if (!registered) {
        throw new ProtocolError(
          'rate_limited',
          `too many devices: user ${user} already has ${otherDevices} devices online (the limit is ${this.limits.maxDevicesPerUser})`,
          ADMISSION_RETRY_AFTER_MS,
        );
      }
    } catch (error) {
      this.release(user);
      throw error;
    }
  }

  release(user: string): void {
    const here = (this.held.get(user) ?? 0) - 1;
    if (here > 0) this.held.set(user, here);
    else this.held.delete(user);
  }

  /** Connections the user holds here (admitted and not yet released). */
  heldBy(user: string): number {
    return this.held.get(user) ?? 0;
  }
}
