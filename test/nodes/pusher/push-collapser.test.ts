import { describe, expect, it } from 'vitest';
import type { PushJob } from '../../../src/core/push/push-job.js';
import { renderNotification } from '../../../src/nodes/pusher/notification-template.js';
import {
  PushCollapser,
  ReadyQueue,
  distinctMessages,
  type CollapsedPush,
} from '../../../src/nodes/pusher/push-collapser.js';

function job(seq: number, overrides: Partial<PushJob> = {}): PushJob {
  return {
    user: 'bob',
    device: 'phone',
    platform: 'apns',
    token: 't1',
    preview: true,
    room: 'r1',
    sender: 'alice',
    body: `message ${seq}`,
    seq,
    msgId: `m${seq}`,
    ts: seq,
    ...overrides,
  };
}

describe('pusher - collapsing bursts', () => {
  it('jobs of one device and room within the window become one group', () => {
    const collapser = new PushCollapser<number>(1000);
    collapser.add(job(1), 1, 0);
    collapser.add(job(2), 2, 400);
    collapser.add(job(3, { room: 'r2' }), 3, 500);
    collapser.add(job(4, { token: 't2' }), 4, 600);
    expect(collapser.takeDue(999)).toEqual([]);
    const due = collapser.takeDue(1000);
    expect(due).toHaveLength(1);
    expect(due[0]!.handles).toEqual([1, 2]);
    expect(collapser.nextDueAt()).toBe(1500);
    expect(collapser.takeDue(2000).map((g) => g.handles)).toEqual([[3], [4]]);
    expect(collapser.size).toBe(0);
  });

  it('a job after the window opens a new group', () => {
    const collapser = new PushCollapser<number>(1000);
    collapser.add(job(1), 1, 0);
    expect(collapser.takeDue(1000)).toHaveLength(1);
    collapser.add(job(2), 2, 1500);
    expect(collapser.nextDueAt()).toBe(2500);
  });

  it('groups fall due oldest first and exactly when their window closes, however many came before', () => {
    const collapser = new PushCollapser<number>(100);
    const taken: number[] = [];
    for (let now = 0; now < 3000; now++) {
      collapser.add(job(now, { token: `t${now % 7}`, room: `r${now}` }), now, now);
      const due = collapser.takeDue(now).map((g) => g.handles[0]!);
      // Everything opened at least a window ago, and nothing younger.
      expect(due).toEqual(now >= 100 ? [now - 100] : []);
      taken.push(...due);
    }
    expect(taken).toEqual(Array.from({ length: 2900 }, (_, i) => i));
    expect(collapser.nextDueAt()).toBe(3000);
    expect(collapser.size).toBe(100);
  });
});

const group = (key: string, ...seqs: number[]): CollapsedPush<number> => ({
  key,
  jobs: seqs.map((seq) => job(seq)),
  handles: seqs,
});

describe('pusher - groups waiting to be sent', () => {
  it('hands groups out oldest first', () => {
    const ready = new ReadyQueue<number>();
    ready.push(group('a', 1));
    ready.push(group('b', 2));
    ready.push(group('c', 3));
    expect([ready.shift()?.key, ready.shift()?.key, ready.shift()?.key, ready.shift()]).toEqual([
      'a',
      'b',
      'c',
      undefined,
    ]);
    expect(ready.size).toBe(0);
  });

  it('a group of a device and room already waiting joins it (one notification after an outage)', () => {
    const ready = new ReadyQueue<number>();
    ready.push(group('a', 1));
    ready.push(group('b', 2));
    ready.push(group('a', 3, 4));
    expect(ready.size).toBe(2);
    expect(ready.shift()).toMatchObject({ key: 'a', handles: [1, 3, 4] });
    expect(ready.shift()).toMatchObject({ key: 'b', handles: [2] });
  });

  it('a group put back after a failed send goes first, with what waited for its device and room', () => {
    const ready = new ReadyQueue<number>();
    ready.push(group('a', 1));
    ready.push(group('b', 2));
    const failed = ready.shift()!;
    ready.push(group('a', 3));
    ready.putBack(failed);
    ready.push(group('a', 4));
    expect(ready.size).toBe(2);
    expect(ready.shift()).toMatchObject({ key: 'a', handles: [1, 3, 4] });
    expect(ready.shift()).toMatchObject({ key: 'b', handles: [2] });
    expect(ready.shift()).toBeUndefined();
  });

  it('groups put back keep their order among themselves', () => {
    const ready = new ReadyQueue<number>();
    ready.push(group('c', 3));
    ready.putBack(group('a', 1));
    ready.putBack(group('b', 2));
    expect([ready.shift()?.key, ready.shift()?.key, ready.shift()?.key]).toEqual(['a', 'b', 'c']);
  });

  it('a merged group counts each message once', () => {
    const ready = new ReadyQueue<number>();
    ready.push(group('a', 2, 1));
    ready.push(group('a', 2));
    expect(distinctMessages(ready.shift()!.jobs).map((j) => j.seq)).toEqual([1, 2]);
  });
});

describe('pusher - notification text', () => {
  it('a direct message is titled by the sender and quotes the message', () => {
    expect(renderNotification([job(1, { body: 'lunch?' })], { kind: 'direct', name: '' })).toEqual({
      title: 'alice',
      body: 'lunch?',
    });
  });

  it('a burst in a group says how many, in which room, and quotes the newest', () => {
    const rendered = renderNotification([job(1), job(2), job(3, { sender: 'carol', body: 'see you' })], {
      kind: 'group',
      name: 'Design team',
    });
    expect(rendered).toEqual({ title: 'Design team', body: '3 new messages in Design team. carol: see you' });
  });

  it('a redelivered job of the same message is counted once', () => {
    expect(renderNotification([job(1), job(1)], { kind: 'group', name: 'G' }).body).toBe('alice: message 1');
  });

  it('without preview nothing of the content, sender or room is shown', () => {
    const rendered = renderNotification([job(1, { preview: false, body: 'secret' }), job(2, { preview: false })], {
      kind: 'group',
      name: 'Secret room',
    });
    expect(rendered).toEqual({ title: 'chat-node', body: '2 new messages' });
    expect(JSON.stringify(rendered)).not.toMatch(/secret|alice|Secret room/i);
  });

  it('long bodies are clipped', () => {
    expect(renderNotification([job(1, { body: 'x'.repeat(500) })], { kind: 'direct', name: '' }).body.length).toBe(120);
  });
});
