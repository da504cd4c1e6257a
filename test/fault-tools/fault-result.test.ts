import { describe, expect, it } from 'vitest';
import { orderProblem, recoveredAfterHeal, slowRecovery } from '../../src/faults/fault-result.js';

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

describe('fault result - recovery bound', () => {
  it('judges a fault the cluster routed around from the fault, and one it waited out from the heal', () => {
    // Routed around (recovered while the fault was held: SIGSTOP of a fan-out for 12 s): from the fault.
    expect(recoveredAfterHeal(5600, 12_000, 12_000)).toBeNull();
    expect(slowRecovery(5600, 12_000, 12_000)).toBe(
      'recovered 5.6 s after the fault, while it was still on (bound 5.0 s)',
    );
    expect(slowRecovery(3900, 12_000, 12_000)).toBeUndefined();
    // An instant fault (nothing to heal): from the fault.
    expect(slowRecovery(4800, 0, 0)).toBeUndefined();
    expect(slowRecovery(5100, 0, 0)).toBe('recovered 5.1 s after the heal (bound 5.0 s)');
    // Waited out (recovered after the lift): from the heal's end (Postgres down 5 s, back at 6.1 s).
    expect(recoveredAfterHeal(8200, 5000, 6100)).toBe(2100);
    expect(slowRecovery(8200, 5000, 6100)).toBeUndefined();
    expect(slowRecovery(21_700, 3000, 14_800)).toBe('recovered 6.9 s after the heal (bound 5.0 s)');
    // Recovered after the lift but before the restarted service called itself healthy: 0 after the heal.
    expect(recoveredAfterHeal(11_200, 3000, 12_400)).toBe(0);
    expect(slowRecovery(11_200, 3000, 12_400)).toBeUndefined();
    // Held, and the services had to route around it first (NATS elected new stream leaders 5.3 s
    // after a node's death): from then.
    expect(slowRecovery(8500, 10_000, 10_400, 5300)).toBeUndefined();
    expect(slowRecovery(10_600, 10_000, 10_400, 5300)).toBeUndefined();
    expect(slowRecovery(9800, 10_000, 10_400, 4100)).toBe(
      'recovered 9.8 s after the fault, 5.7 s after the services routed around it (at 4.1 s), while it was still on (bound 5.0 s)',
    );
    // Never recovered is its own problem.
    expect(slowRecovery(null, 3000, 3000)).toBeUndefined();
  });
});
