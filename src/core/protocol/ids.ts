/**
 * One strict pattern for every id that reaches a NATS subject, a Redis key or SQL:
 * users, devices, rooms, clientMsgIds. It excludes '.', '*', '>' and whitespace (NATS
 * subject tokens), '{' and '}' (Redis Cluster hash tags) and anything needing quoting.
 */
export const ID_PATTERN_SOURCE = '^[A-Za-z0-9_-]{1,64}$';
export const ID_PATTERN = new RegExp(ID_PATTERN_SOURCE);

// Narrows only what is not yet a string: a string that fails the pattern is still a string.
export function isId(value: string): boolean;
export function isId(value: unknown): value is string;
export function isId(value: unknown): boolean {
  return typeof value === 'string' && ID_PATTERN.test(value);
}
