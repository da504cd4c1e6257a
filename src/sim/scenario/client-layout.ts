import type { Scenario } from './scenario.js';

/**
 * Devices per load generator process by default: below the ~19,990 sockets a process may
 * hold here (open files are capped at 20,000 per process), with room for the process's own
 * files and for reconnects overlapping closes.
 */
export const DEVICES_PER_PROCESS = 15_000;
/**
 * Devices per 127.0.x.y source address by default: one source address reaches one gateway
 * port through at most the ephemeral port range (32768-60999 here, 28,232 ports), and the
 * kernel's search for a free port slows down sharply once about half of them are taken
 * (churned devices' old sockets also linger in TIME_WAIT), so stay under half.
 */
export const DEVICES_PER_SOURCE_ADDRESS = 12_000;

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
