import type { Scenario } from './scenario.js';

/**
 * Devices per load generator process by default: below the ~19,990 sockets a process may
 * hold here (open files are capped at 20,000 per process), with room for the process's own
 * files and for reconnects overlapping closes.
 */
export const DEVICES_PER_PROCESS = 15_000;
/**
 * Most sockets one 127.0.x.y source address can take before each connect costs milliseconds of
 * kernel time. A socket bound to an address with port 0 (`localAddress`) gets its port at bind():
 * with SO_REUSEADDR (libuv sets it) Linux searches the lower half of the ephemeral range first,
 * odd ports first (connect() without a bind prefers even ones): 32768-46883 here, 7,058 odd
 * ports. Once those are taken, every bind scans all of them before it tries an even port.
 * Measured here (one address, one process): 20-40 us of system time per connect up to 6,000
 * sockets, 1.4-2.5 ms from 8,000 on, synchronously, on the load process's event loop.
 */
export const SOURCE_ADDRESS_BIND_CLIFF = 7000;
/**
 * Devices per source address by default: well under the cliff, with room for a storm's reconnects
 * while the old sockets are still closing. At 5,000 per address a reconnect storm of 30,000 devices
 * spent 29% of its load processes' time in bind() and took up to 30-48 s to come back; at 2,000,
 * 23 s, and the first connect of the same devices went from ~1,200/s to ~1,400/s.
 */
export const DEVICES_PER_SOURCE_ADDRESS = 2000;

export interface ClientLayout {
  processes: number;
  sourceAddresses: number;
}

/** How many processes and source addresses carry `devices` connections (scenario values win). */
export function resolveClientLayout(scenario: Pick<Scenario, 'clients'>, devices: number): ClientLayout {
  return {
    processes: scenario.clients.processes ?? Math.max(1, Math.ceil(devices / DEVICES_PER_PROCESS)),
    sourceAddresses: scenario.clients.sourceAddresses ?? Math.max(1, Math.ceil(devices / DEVICES_PER_SOURCE_ADDRESS)),
  };
}
