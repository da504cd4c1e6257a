import { describe, expect, it } from 'vitest';
import type { PushJob } from '../../../src/core/push/push-job.js';
import { renderNotification } from '../../../src/nodes/pusher/notification-template.js';
import { PushCollapser } from '../../../src/nodes/pusher/push-collapser.js';
import { retryDelayMs } from '../../../src/nodes/pusher/retry-schedule.js';

function job(seq: number, overrides: Partial<PushJob> = {}): PushJob {
  return { user: 'bob', device: 'phone', platform: 'apns', token: 't1', preview: true, room: 'r1', sender: 'alice', body: `message ${seq}`, seq, msgId: `m${seq}`, ts: seq, ...overrides };
}

describe('pusher - collapsing bursts', () => {
  it('pusher - jobs of one device and room within the window become one group', () => {
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

  it('pusher - a job after the window opens a new group', () => {
    const collapser = new PushCollapser<number>(1000);
    collapser.add(job(1), 1, 0);
    expect(collapser.takeDue(1000)).toHaveLength(1);
    collapser.add(job(2), 2, 1500);
    expect(collapser.nextDueAt()).toBe(2500);
  });
});

describe('pusher - notification text', () => {
  it('pusher - a direct message is titled by the sender and quotes the message', () => {
    expect(renderNotification([job(1, { body: 'lunch?' })], { kind: 'direct', name: '' })).toEqual({ title: 'alice', body: 'lunch?' });
  });

  it('pusher - a burst in a group says how many, in which room, and quotes the newest', () => {
    const rendered = renderNotification([job(1), job(2), job(3, { sender: 'carol', body: 'see you' })], { kind: 'group', name: 'Design team' });
    expect(rendered).toEqual({ title: 'Design team', body: '3 new messages in Design team. carol: see you' });
  });

  it('pusher - a redelivered job of the same message is counted once', () => {
    expect(renderNotification([job(1), job(1)], { kind: 'group', name: 'G' }).body).toBe('alice: message 1');
  });

  it('pusher - without preview nothing of the content, sender or room is shown', () => {
    const rendered = renderNotification([job(1, { preview: false, body: 'secret' }), job(2, { preview: false })], { kind: 'group', name: 'Secret room' });
    expect(rendered).toEqual({ title: 'chat-node', body: '2 new messages' });
    expect(JSON.stringify(rendered)).not.toMatch(/secret|alice|Secret room/i);
  });

  it('pusher - long bodies are clipped', () => {
    expect(renderNotification([job(1, { body: 'x'.repeat(500) })], { kind: 'direct', name: '' }).body.length).toBe(120);
  });
});

describe('pusher - retry schedule', () => {
  it('pusher - delays grow exponentially with jitter, capped at 10 s', () => {
    expect(retryDelayMs(1, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(1, undefined, () => 1)).toBe(1000);
    expect(retryDelayMs(4, undefined, () => 1)).toBe(8000);
    expect(retryDelayMs(5, undefined, () => 1)).toBe(10_000);
    expect(retryDelayMs(50, undefined, () => 1)).toBe(10_000);
  });

  it('pusher - Retry-After is honoured', () => {
    expect(retryDelayMs(1, 30_000, () => 0)).toBe(30_000);
  });
});
