import type { PushJob } from '../../core/push/push-job.js';

/** The jobs of one device and room that arrived within one collapse window. */
export interface CollapsedPush<T> {
  key: string;
  jobs: PushJob[];
  /** What the caller attached to each job (e.g. the JetStream message to ack), same order. */
  handles: T[];
}

interface OpenGroup<T> {
  key: string;
  openedAt: number;
  jobs: PushJob[];
  handles: T[];
}

/**
 * A first-in first-out list over an array with a moving head (Map iteration from the start, which
 * skips the holes deletions leave, made taking the oldest entry cost more the longer a queue lived).
 */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/**
 * Collapses bursts: jobs for the same device and room that arrive within `windowMs` of the
 * first become one notification ("3 new messages in Design team"). Pure: the caller passes
 * the clock (non-decreasing) and asks for what is due.
 */
export class PushCollapser<T> {
  private readonly open = new Map<string, OpenGroup<T>>();
  /** The open groups, oldest first (opened in the order of `now`, so due in that order too). */
  private readonly byAge = new Fifo<OpenGroup<T>>();

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
      const opened = { key, openedAt: now, jobs: [job], handles: [handle] };
      this.open.set(key, opened);
      this.byAge.push(opened);
    }
  }

  /** Groups whose window has closed by `now`, oldest first. */
  takeDue(now: number): CollapsedPush<T>[] {
    const due: CollapsedPush<T>[] = [];
    for (let group = this.byAge.peek(); group && now - group.openedAt >= this.windowMs; group = this.byAge.peek()) {
      this.byAge.shift();
      this.open.delete(group.key);
      due.push({ key: group.key, jobs: group.jobs, handles: group.handles });
    }
    return due;
  }

  /** When the next group is due, or undefined when none is open. */
  nextDueAt(): number | undefined {
    const oldest = this.byAge.peek();
    return oldest === undefined ? undefined : oldest.openedAt + this.windowMs;
  }

  get size(): number {
    return this.open.size;
  }
}

/**
 * Collapsed groups waiting to be sent, oldest first. A group whose device and room already waits
 * joins it, so a device gets one notification for what piled up while its provider was down, not
 * one per collapse window. A group put back after a failed send goes before the rest.
 */
export class ReadyQueue<T> {
  /** The group queued for each device and room; an entry of the lists below that is not here was merged away. */
  private readonly queued = new Map<string, CollapsedPush<T>>();
  private readonly retrying = new Fifo<CollapsedPush<T>>();
  private readonly waiting = new Fifo<CollapsedPush<T>>();

  /** Appends `group` (the queue takes it over), or merges it into the queued group of the same device and room. */
  push(group: CollapsedPush<T>): void {
    const same = this.queued.get(group.key);
    if (same) {
      same.jobs.push(...group.jobs);
      same.handles.push(...group.handles);
      return;
    }
    this.queued.set(group.key, group);
    this.waiting.push(group);
  }

  /** Puts back a group whose send failed, ahead of the groups that never went out. */
  putBack(group: CollapsedPush<T>): void {
    const same = this.queued.get(group.key);
    if (same) {
      group.jobs.push(...same.jobs);
      group.handles.push(...same.handles);
    }
    this.queued.set(group.key, group);
    this.retrying.push(group);
  }

  /** The oldest group, removed from the queue. */
  shift(): CollapsedPush<T> | undefined {
    for (const list of [this.retrying, this.waiting]) {
      for (let group = list.shift(); group; group = list.shift()) {
        if (this.queued.get(group.key) !== group) continue; // merged into a group put back later
        this.queued.delete(group.key);
        return group;
      }
    }
    return undefined;
  }

  get size(): number {
    return this.queued.size;
  }
}

/** Distinct messages of a collapsed group (redeliveries of one message count once). */
export function distinctMessages(jobs: PushJob[]): PushJob[] {
  if (jobs.length === 1) return jobs;
  const seen = new Map<string, PushJob>();
  for (const job of jobs) if (!seen.has(job.msgId)) seen.set(job.msgId, job);
  return [...seen.values()].sort((a, b) => a.seq - b.seq);
}
