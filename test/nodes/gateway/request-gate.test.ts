import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/core/protocol/errors.js';
import { RequestGate } from '../../../src/nodes/gateway/request-gate.js';

/** A task that runs until released, recording when it started. */
function heldTask(log: string[], name: string): { task: () => Promise<string>; release: () => void } {
  let release = () => {};
  const done = new Promise<void>((resolve) => (release = resolve));
  return {
    task: async () => {
      log.push(`start ${name}`);
      await done;
      return name;
    },
    release: () => release(),
  };
}

describe('gateway - request gate', () => {
  it('runs at most maxRunning at once, then the waiting ones in arrival order', async () => {
    const gate = new RequestGate(2, 10);
    const log: string[] = [];
    const tasks = ['a', 'b', 'c', 'd'].map((name) => heldTask(log, name));
    const results = tasks.map((t) => gate.run(t.task));
    await Promise.resolve();
    expect(log).toEqual(['start a', 'start b']);
    expect(gate.pending).toBe(4);
    tasks[1]!.release();
    await results[1];
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['start a', 'start b', 'start c']);
    for (const t of tasks) t.release();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
    expect(gate.pending).toBe(0);
  });

  it('refuses rate_limited with retryAfterMs once maxWaiting wait, and takes requests again after', async () => {
    const gate = new RequestGate(1, 1);
    const log: string[] = [];
    const first = heldTask(log, 'first');
    const second = heldTask(log, 'second');
    const running = [gate.run(first.task), gate.run(second.task)];
    const refused = await gate.run(async () => 'third').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProtocolError);
    expect(refused).toMatchObject({ code: 'rate_limited' });
    expect((refused as ProtocolError).retryAfterMs).toBeGreaterThan(0);
    first.release();
    second.release();
    await Promise.all(running);
    expect(await gate.run(async () => 'later')).toBe('later');
  });

  it('a failing request frees its slot', async () => {
    const gate = new RequestGate(1, 0);
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(gate.pending).toBe(0);
    expect(await gate.run(async () => 'next')).toBe('next');
  });
});

describe('gateway - request gate, aborted', () => {
  it('a waiting request whose signal aborts leaves the queue and never runs', async () => {
    const gate = new RequestGate(1, 10);
    const log: string[] = [];
    const first = heldTask(log, 'first');
    const running = gate.run(first.task);
    const session = new AbortController();
    const waiting = ['w1', 'w2', 'w3'].map((name) =>
      gate.run(heldTask(log, name).task, session.signal).catch((error: unknown) => error),
    );
    await Promise.resolve();
    expect(gate.pending).toBe(4);
    session.abort();
    // Gone from the queue at once, not when the running request finishes.
    expect(gate.pending).toBe(1);
    for (const outcome of await Promise.all(waiting)) expect(outcome).toBe(session.signal.reason);
    first.release();
    await running;
    expect(log).toEqual(['start first']);
    expect(gate.pending).toBe(0);
  });

  it('a request whose signal is already aborted is not run and takes no slot', async () => {
    const gate = new RequestGate(1, 0);
    const session = new AbortController();
    session.abort();
    let ran = false;
    await expect(
      gate.run(async () => {
        ran = true;
      }, session.signal),
    ).rejects.toBe(session.signal.reason);
    expect(ran).toBe(false);
    expect(gate.pending).toBe(0);
  });
});
