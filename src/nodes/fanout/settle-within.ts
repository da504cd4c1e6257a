export type Settled<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

/**
 * A promise's outcome, or 'timeout' when it has not settled within `ms`. For reads of rebuildable
 * state (Redis) that the fan-out must not wait on forever: a blackholed link answers neither with
 * a reply nor with an error, and ioredis has no command timeout of its own.
 */
export async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(
        (value): Settled<T> => ({ kind: 'value', value }),
        (error: unknown): Settled<T> => ({ kind: 'error', error }),
      ),
      new Promise<Settled<T>>((resolve) => (timer = setTimeout(() => resolve({ kind: 'timeout' }), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
