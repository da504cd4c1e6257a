import type { NodeTrace } from './recent-traces.js';

/** One point of a message's way through the cluster. */
export interface TraceStep {
  at: number;
  what: string;
  node: string;
}

/**
 * A message's steps in time order, from what the nodes answered: the fan-out's stamps (received
 * at the gateway, stored, pulled, commit started, committed, published) and each gateway's writes.
 * The stamps come from different clocks (the gateway's, JetStream's, the fan-out's), which can
 * disagree by a fraction of a millisecond on one machine and by more across machines; so they are
 * ordered by cause as well as by time: each of a fan-out's stamps after the one before it, and a
 * write after the publish it answers. The times printed are the stamps as they are.
 */
export function traceSteps(nodes: NodeTrace[]): TraceStep[] {
  const steps: Array<TraceStep & { order: number }> = [];
  let publishedAt = Number.NEGATIVE_INFINITY;
  for (const node of nodes) {
    const f = node.fanout;
    if (!f) continue;
    let previous = Number.NEGATIVE_INFINITY;
    for (const step of [
      { at: f.receivedAt, what: `received at the gateway from ${f.sender}/${f.senderDevice}`, node: '' },
      { at: f.storedAt, what: 'stored in the send stream', node: '' },
      { at: f.pulledAt, what: 'pulled by the fan-out', node: node.node },
      { at: f.commitStartedAt, what: `commit started (partition batch of ${f.batchSends})`, node: node.node },
      { at: f.committedAt, what: `committed as ${f.room} seq ${f.seq}`, node: node.node },
      { at: f.publishedAt, what: 'published for delivery', node: node.node },
    ]) {
      previous = Math.max(previous, step.at);
      steps.push({ ...step, order: previous });
    }
    publishedAt = Math.max(publishedAt, previous);
  }
  for (const node of nodes) {
    for (const write of node.writes ?? []) {
      const what = `${write.frame === 'ack' ? 'ack' : 'msg'} written to ${write.user}/${write.device} (${write.conn})`;
      steps.push({ at: write.writtenAt, what, node: node.node, order: Math.max(write.writtenAt, publishedAt) });
    }
  }
  return steps.sort((a, b) => a.order - b.order).map(({ at, what, node }) => ({ at, what, node }));
}

/** The lines `chat-node trace` prints: each step with its time from the first and from the one before. */
export function formatTrace(msgId: string, nodes: NodeTrace[]): string[] {
  const steps = traceSteps(nodes);
  if (steps.length === 0) return [`message ${msgId}: no node remembers it (each keeps its newest 20,000 messages)`];
  const first = steps[0]!.at;
  const lines = [`message ${msgId}`];
  let previous = first;
  const width = Math.max(...steps.map((step) => step.what.length));
  for (const step of steps) {
    const since = `+${(step.at - first).toFixed(3)} ms`.padStart(13);
    const delta = `(${(step.at - previous).toFixed(3)} ms)`.padStart(14);
    lines.push(`  ${since} ${delta}  ${step.what.padEnd(width)}  ${step.node}`.trimEnd());
    previous = step.at;
  }
  if (!nodes.some((node) => node.fanout))
    lines.push("  (no fan-out remembers it: only the gateways' writes are shown)");
  return lines;
}
