import { describe, expect, it } from 'vitest';
import { orderProblem } from '../../src/faults/fault-result.js';

describe('fault result - order violations', () => {
  it('names each kind with its count and the first three as the oracle told them; none, no problem', () => {
    const none = { 'out-of-order': 0, 'seq-gap': 0, conflict: 0, 'send-order': 0 };
    expect(orderProblem(none, [])).toBeUndefined();
    const violations = [
      { kind: 'duplicate', room: 'd_1', seq: 1, detail: 'shown twice' },
      { kind: 'seq-gap', room: 'd_1', seq: 4, device: 'u1/d1', detail: 'seq 3 never shown' },
      { kind: 'seq-gap', room: 'd_2', seq: 9, device: 'u2/d1', detail: 'seq 8 never shown' },
      { kind: 'out-of-order', room: 'g_1', seq: 2, device: 'u3/d2', detail: 'shown after seq 5' },
      { kind: 'seq-gap', room: 'd_3', seq: 2, device: 'u4/d1', detail: 'seq 1 never shown' },
    ];
    expect(orderProblem({ ...none, 'seq-gap': 11, 'out-of-order': 1 }, violations)).toBe(
      '12 order violations (out-of-order 1, seq-gap 11; seq-gap in d_1 at seq 4 on u1/d1: seq 3 never shown; seq-gap in d_2 at seq 9 on u2/d1: seq 8 never shown; out-of-order in g_1 at seq 2 on u3/d2: shown after seq 5)',
    );
  });
});
