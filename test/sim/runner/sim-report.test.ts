import { describe, expect, it } from 'vitest';
import { ackedShare } from '../../../src/sim/runner/sim-report.js';

describe('sim report', () => {
  it('sim report - the acked share is acked over planned sends, and 1 for a run that planned none', () => {
    expect(ackedShare({ acked: 334, planned: 665 })).toBeCloseTo(0.5023, 4);
    expect(ackedShare({ acked: 665, planned: 665 })).toBe(1);
    expect(ackedShare({ acked: 0, planned: 0 })).toBe(1);
  });
});
