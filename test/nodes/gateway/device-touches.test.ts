import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { DeviceTouches, type DeviceTouchStore } from '../../../src/nodes/gateway/device-touches.js';

class RecordingStore implements DeviceTouchStore {
  readonly batches: Array<Array<{ user: string; device: string }>> = [];
  failNext = false;
  async touchDevices(devices: ReadonlyArray<{ user: string; device: string }>): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('postgres is down');
    }
    this.batches.push([...devices]);
  }
}

const log = pino({ level: 'silent' });

describe('gateway - device touches', () => {
  it('writes many connects as one batch, each device once', async () => {
    const store = new RecordingStore();
    const touches = new DeviceTouches(store, log, 60_000);
    touches.touch('alice', 'phone');
    touches.touch('alice', 'laptop');
    touches.touch('alice', 'phone');
    touches.touch('bob', 'phone');
    await touches.stop();
    expect(store.batches).toHaveLength(1);
    expect(store.batches[0]).toEqual([
      { user: 'alice', device: 'phone' },
      { user: 'alice', device: 'laptop' },
      { user: 'bob', device: 'phone' },
    ]);
  });

  it('flushes as soon as a batch is full, without waiting for the interval', async () => {
    const store = new RecordingStore();
    const touches = new DeviceTouches(store, log, 60_000, 2);
    touches.touch('a', '1');
    touches.touch('b', '1');
    await touches.flush();
    expect(store.batches).toEqual([
      [
        { user: 'a', device: '1' },
        { user: 'b', device: '1' },
      ],
    ]);
    await touches.stop();
  });

  it('keeps a failed batch and writes it with the next one', async () => {
    const store = new RecordingStore();
    const touches = new DeviceTouches(store, log, 60_000);
    store.failNext = true;
    touches.touch('alice', 'phone');
    await touches.flush();
    expect(store.batches).toHaveLength(0);
    touches.touch('bob', 'phone');
    await touches.stop();
    expect(store.batches).toEqual([
      [
        { user: 'alice', device: 'phone' },
        { user: 'bob', device: 'phone' },
      ],
    ]);
  });
});
