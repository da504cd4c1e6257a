import type { SendEnvelope } from '../../core/bus/envelopes.js';
import { asError, Coalescer } from '../../core/batching/coalescer.js';
import type { Fence, PartitionBatch, RoomSequencer, SendResult } from './room-sequencer.js';

/** Where a partition worker commits its batches. */
export interface BatchCommitter {
  /** The batch's results in send order; throws FencedError when the lease is lost. */
  commit(sends: SendEnvelope[], fence: Fence): Promise<SendResult[]>;
}

/**
 * True for errors that the data of a send causes (SQLSTATE class 22, data exception, and class 23
 * other than the unique violation the sequencer handles): retrying cannot help, and the batch
 * must be split to find the send at fault. Everything else (connection lost, shutdown, lock
 * timeouts) is transient.
 */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('22') || (code.startsWith('23') && code !== '23505'));
}

/**
 * Group commit across the partitions one fan-out worker holds: each partition commits one batch
 * at a time, so at a moderate rate over 16 partitions each batch would hold one send and Postgres
 * would run a statement (and a WAL flush) per message. Batches that arrive while `maxInFlight`
 * statements run go together in the next one; one at a time (the default) batches deepest, since
 * a statement's fixed cost (executor start-up, scheduling) is paid whatever it carries
 * (measurements: docs/benchmarks.md, "Four commit statements in flight"). An idle coalescer waits
 * for the end of the turn: the partitions' messages of one NATS read then share a statement
 * instead of the first going alone. Rooms of different partitions never meet in one room row, so
 * statements in flight at once never wait on each other.
 */
export class CommitCoalescer implements BatchCommitter {
  private readonly coalescer: Coalescer<PartitionBatch, SendResult[]>;

  constructor(
    sequencer: RoomSequencer,
    options: { maxInFlight?: number; maxSends?: number; onStatement?: (sends: number) => void } = {},
  ) {
    this.coalescer = new Coalescer<PartitionBatch, SendResult[]>(
      async (batches) => {
        options.onStatement?.(batches.reduce((sum, batch) => sum + batch.sends.length, 0));
        try {
          return await sequencer.commitBatches(batches);
        } catch (error) {
          // One partition's bad send must not fail its neighbours: alone, only its batch fails.
          if (batches.length === 1 || !isDataError(error)) throw error;
          return Promise.all(
            batches.map((batch) =>
              sequencer.commit(batch.sends, batch.fence).catch((alone: unknown) => asError(alone)),
            ),
          );
        }
      },
      {
        maxInFlight: options.maxInFlight ?? 1,
        maxWeight: options.maxSends ?? 2000,
        weight: (batch) => batch.sends.length,
        gather: 'turn',
      },
    );
  }

  commit(sends: SendEnvelope[], fence: Fence): Promise<SendResult[]> {
    return this.coalescer.submit({ sends, fence });
  }
}
