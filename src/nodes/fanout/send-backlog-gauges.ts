import type { JetStreamManager } from '@nats-io/jetstream';
import { Gauge, type Registry } from 'prom-client';
import { sendStreamFigures, type SendStreamFigures } from '../../core/bus/stream-figures.js';
import type { Subjects } from '../../core/bus/subjects.js';

/** How long a scrape waits for JetStream before it reports the figures unknown (NaN). */
const ANSWER_WITHIN_MS = 1000;
/** One measurement serves the three gauges of one scrape (prom-client collects them together). */
const REUSE_MS = 250;

/**
 * The commit backlog, measured in JetStream when scraped (one stream info, and one message
 * lookup per partition with sends waiting), as `chat-node status` measures it:
 * - `chat_fanout_send_stream_messages`: sends waiting in the whole send stream, partitions no
 *   fan-out holds included (every fan-out reports the same figure);
 * - `chat_fanout_send_backlog`: those of the partitions this fan-out holds;
 * - `chat_fanout_commit_lag_seconds`: the age of the oldest of these (0: none waits).
 * The send stream is a work queue, so what it holds is what no fan-out has committed yet. A
 * stalled commit shows here, not in `chat_fanout_lag_seconds`, which is observed at commit.
 */
export function registerSendBacklogGauges(
  registry: Registry,
  jsm: JetStreamManager,
  subjects: Subjects,
  partitionsHeld: () => number[],
): void {
  let last: { at: number; figures: Promise<SendStreamFigures | undefined> } | undefined;
  const measure = (): Promise<SendStreamFigures | undefined> => {
    if (last && Date.now() - last.at < REUSE_MS) return last.figures;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ANSWER_WITHIN_MS);
    });
    const figures = Promise.race([sendStreamFigures(jsm, subjects).catch(() => undefined), late]).finally(() =>
      clearTimeout(timer),
    );
    last = { at: Date.now(), figures };
    return figures;
  };
  const heldBacklog = (figures: SendStreamFigures) => {
    const held = new Set(partitionsHeld());
    return figures.backlog.filter((entry) => held.has(entry.partition));
  };
  new Gauge({
    name: 'chat_fanout_send_stream_messages',
    help: 'Sends waiting in the send stream, not committed yet, on every partition (each fan-out reports the whole stream)',
    registers: [registry],
    async collect() {
      const figures = await measure();
      this.set(figures ? figures.waiting : Number.NaN);
    },
  });
  new Gauge({
    name: 'chat_fanout_send_backlog',
    help: 'Sends waiting in the send stream on the partitions this fan-out holds',
    registers: [registry],
    async collect() {
      const figures = await measure();
      this.set(figures ? heldBacklog(figures).reduce((sum, entry) => sum + entry.waiting, 0) : Number.NaN);
    },
  });
  new Gauge({
    name: 'chat_fanout_commit_lag_seconds',
    help: 'Age of the oldest send waiting on the partitions this fan-out holds (0: none waits)',
    registers: [registry],
    async collect() {
      const figures = await measure();
      this.set(
        figures
          ? Math.max(0, ...heldBacklog(figures).map((entry) => (Date.now() - entry.oldestAt) / 1000))
          : Number.NaN,
      );
    },
  });
}
