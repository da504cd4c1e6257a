import { describe, expect, it } from 'vitest';
import { afterAttempt, type AttemptEnd, type ReconnectPolicy } from '../../../src/core/client/reconnect-policy.js';

const policy = (fields: Partial<ReconnectPolicy> = {}): ReconnectPolicy => ({
  autoReconnect: true,
  tokenRenewable: false,
  backoff: { initialMs: 100, maxMs: 1000 },
  random: () => 0.5,
  ...fields,
});

const end = (fields: Partial<AttemptEnd> = {}): AttemptEnd => ({
  code: 1006,
  reason: '',
  tokenRejected: false,
  goawayInMs: undefined,
  failures: 0,
  ...fields,
});

describe('reconnect policy', () => {
  it('a fixed token rejected (close 4401 or an unauthorized frame) gives up', () => {
    for (const lost of [end({ code: 4401 }), end({ tokenRejected: true }), end({ code: 4401, goawayInMs: 100 })]) {
      const next = afterAttempt(lost, policy());
      expect(next.action).toBe('give-up');
      if (next.action === 'give-up') expect(next.error.code).toBe('unauthorized');
    }
  });

  it('a token function that was rejected is retried with backoff', () => {
    expect(afterAttempt(end({ code: 4401, failures: 2 }), policy({ tokenRenewable: true }))).toEqual({
      action: 'reconnect',
      delayMs: 200,
      failures: 3,
    });
  });

  it('without autoReconnect any loss gives up with disconnected and the close code', () => {
    const next = afterAttempt(end({ code: 1012, reason: 'restart', goawayInMs: 50 }), policy({ autoReconnect: false }));
    expect(next.action).toBe('give-up');
    if (next.action === 'give-up') {
      expect(next.error.code).toBe('disconnected');
      expect(next.error.message).toContain('1012: restart');
    }
  });

  it('after a goaway it waits about reconnectInMs and the failure count starts over', () => {
    expect(afterAttempt(end({ code: 1012, goawayInMs: 3000, failures: 4 }), policy())).toEqual({
      action: 'reconnect',
      delayMs: 3000,
      failures: 0,
    });
  });

  it('other losses back off exponentially from the failure count', () => {
    const delays = [0, 1, 2, 3, 4, 5].map((failures) =>
      afterAttempt(end({ failures }), policy({ random: () => 0.999 })),
    );
    expect(delays.map((d) => (d.action === 'reconnect' ? [d.delayMs, d.failures] : d.action))).toEqual([
      [99, 1],
      [199, 2],
      [399, 3],
      [799, 4],
      [999, 5],
      [999, 6],
    ]);
  });

  it('every close code but 4401 is retried when autoReconnect is on', () => {
    for (const code of [1000, 1001, 1006, 1009, 1011, 1012, 4408]) {
      expect(afterAttempt(end({ code }), policy()).action).toBe('reconnect');
    }
  });
});
