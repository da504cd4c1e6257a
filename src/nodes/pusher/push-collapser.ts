import type { PushJob } from '../../core/push/push-job.js';

/** The jobs of one device and room that arrived within one collapse window. */
export interface CollapsedPush<T> {
  key: string;
  jobs: PushJob[];
  /** What the caller attached to each job (e.g. the JetStream message to ack), same order. */
  handles: T[];
}

/**
 * Collapses bursts: jobs for the same device and room that arrive within `windowMs` of the
 * first become one notification ("3 new messages in Design team"). Pure: the caller passes
 * the clock and asks for what is due.
 */
export class PushCollapser<T> {
  private readonly open = new Map<string, { openedAt: number; jobs: PushJob[]; handles: T[] }>();

  constructor(private readonly windowMs: number) {}

  static keyOf(job: PushJob): string {
    return `${job.platform}\u0000${job.token}\u0000${job.room}`;
  }

  add(job: PushJob, handle: T, now: number): void {
    const key = PushCollapser.keyOf(job);
    const group = this.open.get(key);
    if (group) {
      // A redelivered job of the same message joins too; distinctMessages counts it once.
      group.jobs.push(job);
      group.handles.push(handle);
    } else {
      this.open.set(key, { openedAt: now, jobs: [job], handles: [handle] });
    }
  }

  /** Groups whose window has closed by `now`, oldest first. */
  takeDue(now: number): CollapsedPush<T>[] {
    const due: CollapsedPush<T>[] = [];
    for (const [key, group] of this.open) {
      if (now - group.openedAt < this.windowMs) continue;
      this.open.delete(key);
      due.push({ key, jobs: group.jobs, handles: group.handles });
    }
    return due;
  }

  /** When the next group is due, or undefined when none is open. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const group of this.open.values()) next = Math.min(next ?? Infinity, group.openedAt + this.windowMs);
    return next;
  }

  get size(): number {
    return this.open.size;
  }
}

/** Distinct messages of a collapsed group (redeliveries of one message count once). */
export function distinctMessages(jobs: PushJob[]): PushJob[] {
  const seen = new Map<string, PushJob>();
  for (const job of jobs) if (!seen.has(job.msgId)) seen.set(job.msgId, job);
  return [...seen.values()].sort((a, b) => a.seq - b.seq);
}
