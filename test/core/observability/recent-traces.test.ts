import { describe, expect, it } from 'vitest';
import { RecentTraces } from '../../../src/core/observability/recent-traces.js';

describe('recent traces', () => {
  it('keeps 20,000 messages unless told otherwise', () => {
    expect(new RecentTraces().capacity).toBe(20_000);
  });

  it('forgets the oldest message when a new one comes at capacity', () => {
    const traces = new RecentTraces<string>(3);
    for (const id of ['m1', 'm2', 'm3', 'm4']) traces.set(id, `record of ${id}`);
    expect(traces.size).toBe(3);
    expect(traces.get('m1')).toBeUndefined();
    expect(['m2', 'm3', 'm4'].map((id) => traces.get(id))).toEqual(['record of m2', 'record of m3', 'record of m4']);
    traces.set('m5', 'record of m5');
    expect(traces.get('m2')).toBeUndefined();
    expect(traces.size).toBe(3);
  });

  it('replaces the record of a message it holds without forgetting another', () => {
    const traces = new RecentTraces<string>(2);
    traces.set('m1', 'first');
    traces.set('m2', 'second');
    traces.set('m1', 'replaced');
    expect(traces.size).toBe(2);
    expect(traces.get('m1')).toBe('replaced');
    expect(traces.get('m2')).toBe('second');
  });

  it("counts a message's age from when it was first recorded, not from its latest record", () => {
    const traces = new RecentTraces<string>(2);
    traces.set('m1', 'msg written');
    traces.set('m2', 'msg written');
    traces.set('m1', 'ack written');
    traces.set('m3', 'msg written');
    expect(traces.get('m1')).toBeUndefined();
    expect(traces.get('m2')).toBe('msg written');
  });

  it('answers undefined for a message it never saw', () => {
    expect(new RecentTraces<number>().get('unknown')).toBeUndefined();
  });
});
