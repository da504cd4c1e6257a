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

/**
 * Calls to a store that may stop answering (Redis behind a blackholed link): each is waited on for
 * at most `ms`, and after one went unanswered, `waiting` stays true until it settles, so the caller
 * asks nothing more meanwhile: one stuck call, never a growing queue of them.
 */
export class UnansweredWatch {
  private unanswered?: Promise<unknown>;

  /** An earlier call timed out and has not settled yet. */
  get waiting(): boolean {
    return this.unanswered !== undefined;
  }

  async settle<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
    const outcome = await settleWithin(promise, ms);
    if (outcome.kind === 'timeout') {
      const settled: Promise<unknown> = (this.unanswered = promise
        .catch(() => {})
        .finally(() => {
          if (this.unanswered === settled) this.unanswered = undefined;
        }));
    }
    return outcome;
  }
}
