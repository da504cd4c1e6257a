import type { Scenario } from './scenario.js';

/**
 * Devices per load generator process by default: below the ~19,990 sockets a process may
 * hold here (open files are capped at 20,000 per process), with room for the process's own
 * files and for reconnects overlapping closes.
 */
export const DEVICES_PER_PROCESS = 15_000;
/**
 * Devices per 127.0.0.x source address by default: one source address reaches one gateway
 * port through at most the ephemeral port range (32768-60999 here, 28,232 ports), and
 * churned devices' old sockets linger in TIME_WAIT, so a margin is kept.
 */
export const DEVICES_PER_SOURCE_ADDRESS = 20_000;

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
