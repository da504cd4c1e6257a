import { describe, expect, it } from 'vitest';
import { appliesTo, describeMode, parseFaultMode } from '../../src/faults/fault-mode.js';
import { TokenBucket } from '../../src/faults/token-bucket.js';

describe('fault mode', () => {
  it('parses every kind and rejects what is not a mode', () => {
    expect(parseFaultMode({ kind: 'latency', ms: 200, jitterMs: 50, direction: 'up' })).toEqual({
      kind: 'latency',
      ms: 200,
      jitterMs: 50,
      direction: 'up',
    });
    expect(parseFaultMode({ kind: 'bandwidth', bytesPerSec: 1000 })).toMatchObject({
      kind: 'bandwidth',
      bytesPerSec: 1000,
    });
    expect(parseFaultMode({ kind: 'reset', direction: 'up' })).toEqual({ kind: 'reset' });
    for (const kind of ['pass', 'drop', 'blackhole', 'refuse']) expect(parseFaultMode({ kind }).kind).toBe(kind);
    expect(() => parseFaultMode({ kind: 'explode' })).toThrow(/kind/);
    expect(() => parseFaultMode({ kind: 'latency' })).toThrow(/ms/);
    expect(() => parseFaultMode({ kind: 'latency', ms: -1 })).toThrow(/ms/);
    expect(() => parseFaultMode({ kind: 'drop', direction: 'sideways' })).toThrow(/direction/);
    expect(() => parseFaultMode({ kind: 'bandwidth', bytesPerSec: 0 })).toThrow(/bytesPerSec/);
    expect(() => parseFaultMode('pass')).toThrow(/object/);
  });

  it('a direction limits a mode to one flow; describe reads as one line', () => {
    expect(appliesTo({ kind: 'drop', direction: 'down' }, 'up')).toBe(false);
    expect(appliesTo({ kind: 'drop', direction: 'down' }, 'down')).toBe(true);
    expect(appliesTo({ kind: 'blackhole' }, 'up')).toBe(true);
    expect(describeMode({ kind: 'latency', ms: 200, jitterMs: 50, direction: 'up' })).toBe('latency 200±50 ms up');
    expect(describeMode({ kind: 'bandwidth', bytesPerSec: 1000 })).toBe('bandwidth 1000 B/s');
  });

  it('token bucket - starts with its burst, then grants bytes at its rate', () => {
    const bucket = new TokenBucket(1000, 100, 0);
    expect(bucket.take(150, 0)).toBe(100);
    expect(bucket.take(10, 0)).toBe(0);
    expect(bucket.msUntil(50, 0)).toBe(50);
    expect(bucket.take(150, 50)).toBe(50);
    // Refill is capped at the burst however long it was idle.
    expect(bucket.take(1000, 10_000)).toBe(100);
    expect(TokenBucket.forRate(200_000, 0).burst).toBe(10_000);
  });
});
