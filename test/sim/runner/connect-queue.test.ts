import { describe, expect, it } from 'vitest';
import { ConnectQueue, type Connectable } from '../../../src/sim/runner/connect-queue.js';

/** A device whose connect resolves (or fails) when the test says so. */
class HeldDevice implements Connectable {
  private finish?: (ok: boolean) => void;
  started = false;

  connect(): Promise<void> {
    this.started = true;
    return new Promise<void>((resolve, reject) => {
      this.finish = (ok) => (ok ? resolve() : reject(new Error('refused')));
    });
  }

  end(ok = true): void {
    this.finish?.(ok);
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ConnectQueue', () => {
  it('keeps at most the window in flight and starts the next as each one ends, in arrival order', async () => {
    const queue = new ConnectQueue(256);
    const devices = Array.from({ length: 100 }, () => new HeldDevice());
    const outcomes = devices.map((device) => queue.connect(device));
    // The window starts at 32 connects in flight.
    expect(devices.filter((d) => d.started)).toHaveLength(32);
    expect(queue.queued).toBe(68);
    devices[0]!.end();
    await settle();
    expect(devices[32]!.started).toBe(true);
    expect(devices[33]!.started).toBe(false);
    for (const device of devices) device.end();
    await settle();
    for (const device of devices) device.end();
    await settle();
    for (const device of devices) device.end();
    await settle();
    expect(await Promise.all(outcomes)).toEqual(devices.map(() => true));
    expect(queue.queued).toBe(0);
  });

  it('says which connects failed, and a failure frees its slot', async () => {
    const settled: boolean[] = [];
    const queue = new ConnectQueue(4, (_ms, ok) => settled.push(ok));
    const devices = Array.from({ length: 6 }, () => new HeldDevice());
    const outcomes = devices.map((device) => queue.connect(device));
    expect(devices.filter((d) => d.started)).toHaveLength(4);
    devices[1]!.end(false);
    await settle();
    expect(devices[4]!.started).toBe(true);
    for (const device of devices) device.end();
    await settle();
    for (const device of devices) device.end();
    expect(await Promise.all(outcomes)).toEqual([true, false, true, true, true, true]);
    expect(settled.filter((ok) => !ok)).toHaveLength(1);
  });

  it('takes devices that arrive later (a storm of returns) after the ones already waiting', async () => {
    const queue = new ConnectQueue(4);
    const first = Array.from({ length: 6 }, () => new HeldDevice());
    first.forEach((device) => void queue.connect(device));
    const late = new HeldDevice();
    const lateOutcome = queue.connect(late);
    expect(late.started).toBe(false);
    for (let round = 0; round < 3; round++) {
      for (const device of first) device.end();
      await settle();
    }
    expect(late.started).toBe(true);
    late.end();
    expect(await lateOutcome).toBe(true);
  });
});
