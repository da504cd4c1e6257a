import { isIPv4, isIPv6 } from 'node:net';

/** One connection's place in the count of its address; releasing it twice is harmless. */
export interface PendingSlot {
  release(): void;
}

/**
 * WebSocket connections of each client address that are upgraded but have not sent hello yet
 * (--max-pending-per-ip). Without a cap one address could hold thousands of such sockets, each
 * with its session objects and timer, for the whole hello timeout. A slot is taken at the upgrade
 * and given back when the first text frame arrives (the hello, or what is refused in its place)
 * or the socket closes, so a client that says hello at once holds it for about one round trip:
 * only a burst of that many simultaneous upgrades from one address outruns it.
 *
 * Loopback is counted like any address: it is where the simulator and tests connect from, and a
 * generous default (1000) covers the simulator's bursts (a few hundred connects in flight per
 * 127.x source address). Behind a proxy all clients share the proxy's address; there the cap
 * must be raised or set to 0 (no cap), and clients capped at the proxy.
 */
export class PendingHandshakes {
  private readonly byAddress = new Map<string, number>();
  private pending = 0;

  /** `maxPerAddress` 0: no cap (connections are still counted, for the gauge). */
  constructor(readonly maxPerAddress: number) {}

  /** Connections waiting for hello, over all addresses. */
  get total(): number {
    return this.pending;
  }

  countOf(key: string): number {
    return this.byAddress.get(key) ?? 0;
  }

  /** True when the address holds the cap: a new handshake from it is refused. */
  isFull(key: string): boolean {
    return this.maxPerAddress > 0 && this.countOf(key) >= this.maxPerAddress;
  }

  /** A slot for one more connection of the address, or undefined when it already holds the cap. */
  tryEnter(key: string): PendingSlot | undefined {
    if (this.isFull(key)) return undefined;
    this.byAddress.set(key, this.countOf(key) + 1);
    this.pending++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.pending--;
        const left = this.countOf(key) - 1;
        if (left > 0) this.byAddress.set(key, left);
        else this.byAddress.delete(key);
      },
    };
  }
}

/**
 * The key a client address is counted under: an IPv4 address as is (also when the socket shows it
 * IPv4-mapped, `::ffff:a.b.c.d`), an IPv6 address by its /64, since a host or subscriber is
 * usually given a whole /64 and could take a fresh address for every socket.
 */
export function addressKey(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(remoteAddress);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  const address = remoteAddress.split('%')[0]!;
  if (!isIPv6(address)) return remoteAddress;
  return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, in lowercase hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const toGroups = (part: string): string[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (!group.includes('.')) return [group];
      // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is the last two groups.
      const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  };
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = toGroups(head);
  const right = tail === undefined ? [] : toGroups(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16).toString(16));
}
