import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout (pino), one logger per role with its node id bound. */
export function createLogger(role: string, nodeId: string, level: string): Logger {
  return pino({ level, base: { role, node: nodeId } });
}
