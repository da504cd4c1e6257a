import type { JetStreamManager, MsgRequest } from '@nats-io/jetstream';
import { isNotFound } from './nats.js';
import type { Subjects } from './subjects.js';

/** Sends of one partition not committed yet, and when the oldest of them was stored. */
export interface PartitionBacklog {
  partition: number;
  waiting: number;
  /** ms since the epoch (NATS's clock). */
  oldestAt: number;
}

/**
 * The send stream: a work queue, so what it holds is exactly what no fan-out has committed and
 * acked yet (its depth is the commit backlog, partition by partition).
 */
export interface SendStreamFigures {
  stream: string;
  /** false before any gateway or fan-out of the namespace created it. */
  exists: boolean;
  waiting: number;
  /** The partitions with sends waiting. */
  backlog: PartitionBacklog[];
}

/** The push work queue: jobs no pusher has sent yet, per platform. */
export interface PushQueueFigures {
  stream: string;
  exists: boolean;
  waiting: number;
  byPlatform: Record<string, number>;
}

export async function sendStreamFigures(jsm: JetStreamManager, subjects: Subjects): Promise<SendStreamFigures> {
  const stream = subjects.sendStream;
  const counts = await subjectCounts(jsm, stream, subjects.sendWildcard);
  if (!counts) return { stream, exists: false, waiting: 0, backlog: [] };
  const prefix = subjects.send(0).slice(0, -1);
  const backlog = await Promise.all(
    Object.entries(counts.bySubject)
      .filter(([subject, waiting]) => waiting > 0 && subject.startsWith(prefix))
      .map(async ([subject, waiting]): Promise<PartitionBacklog> => {
        // The oldest send of the partition: the first one left on its subject (acked ones are gone).
        const oldest = await jsm.streams.getMessage(stream, { seq: 0, next_by_subj: subject } as unknown as MsgRequest);
        return {
          partition: Number(subject.slice(prefix.length)),
          waiting,
          oldestAt: oldest?.time.getTime() ?? Date.now(),
        };
      }),
  );
  return { stream, exists: true, waiting: counts.total, backlog: backlog.sort((a, b) => a.partition - b.partition) };
}

export async function pushQueueFigures(jsm: JetStreamManager, subjects: Subjects): Promise<PushQueueFigures> {
  const stream = subjects.pushStream;
  const counts = await subjectCounts(jsm, stream, `${subjects.namespace}.push.*`);
  if (!counts) return { stream, exists: false, waiting: 0, byPlatform: {} };
  const byPlatform: Record<string, number> = { apns: 0, fcm: 0 };
  for (const [subject, waiting] of Object.entries(counts.bySubject))
    byPlatform[subject.slice(subject.lastIndexOf('.') + 1)] = waiting;
  return { stream, exists: true, waiting: counts.total, byPlatform };
}

/** A stream's message count, in all and per subject; undefined when the stream does not exist. */
async function subjectCounts(
  jsm: JetStreamManager,
  stream: string,
  filter: string,
): Promise<{ total: number; bySubject: Record<string, number> } | undefined> {
  try {
    const info = await jsm.streams.info(stream, { subjects_filter: filter });
    return { total: info.state.messages, bySubject: info.state.subjects ?? {} };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
