import { describe, expect, it } from 'vitest';
import {
  BAD_FRAME_BURST,
  BAD_FRAME_REFILL_MS,
  FRAME_BURST,
  FRAME_RATE_PER_SEC,
} from '../../../src/core/protocol/limits.js';
import { FrameBudget } from '../../../src/nodes/gateway/frame-budget.js';

const DEFAULT_SENDS = { sendRatePerSec: 20, sendBurst: 40 };

describe('gateway - frame budget', () => {
  it('admits a burst, then drops frames and tells the client once per wait it was told', () => {
    const budget = new FrameBudget(DEFAULT_SENDS, 0);
    for (let i = 0; i < FRAME_BURST; i++) expect(budget.admit(0)).toEqual({ admit: true });
    const first = budget.admit(0);
    expect(first).toMatchObject({ admit: false, tell: true });
    expect(first.admit === false && first.retryAfterMs).toBe(1000);
    expect(budget.admit(0)).toMatchObject({ admit: false, tell: false });
    // Tokens trickling back in between do not make every later refusal an answer of its own.
    expect(budget.admit(1000 / FRAME_RATE_PER_SEC)).toEqual({ admit: true });
    expect(budget.admit(1000 / FRAME_RATE_PER_SEC)).toMatchObject({ admit: false, tell: false });
    // Once the wait it was told is over, a client still over the budget is told again.
    expect(budget.admit(1000)).toEqual({ admit: true });
    let verdict = budget.admit(1000);
    while (verdict.admit) verdict = budget.admit(1000);
    expect(verdict).toMatchObject({ admit: false, tell: true });
  });

  it('is at least twice the send limit, so sends meet their own limit first', () => {
    const budget = new FrameBudget({ sendRatePerSec: 100_000, sendBurst: 100_000 }, 0);
    for (let i = 0; i < 200_000; i++) if (!budget.admit(0).admit) throw new Error(`frame ${i} dropped`);
    expect(budget.admit(0).admit).toBe(false);
  });

  it('allows a few bad frames in a row, then says close; the allowance grows back slowly', () => {
    const budget = new FrameBudget(DEFAULT_SENDS, 0);
    for (let i = 0; i < BAD_FRAME_BURST; i++) expect(budget.bad(0)).toBe(true);
    expect(budget.bad(0)).toBe(false);
    const later = new FrameBudget(DEFAULT_SENDS, 0);
    for (let i = 0; i < BAD_FRAME_BURST; i++) later.bad(0);
    expect(later.bad(BAD_FRAME_REFILL_MS)).toBe(true);
    expect(later.bad(BAD_FRAME_REFILL_MS)).toBe(false);
  });
});
