import { describe, expect, it } from 'vitest';
import { PendingHandshakes, addressKey } from '../../../src/nodes/gateway/pending-handshakes.js';

describe('gateway - pending handshakes per address', () => {
  it('an address gets maxPerAddress slots, the next is refused until one is released', () => {
    const pending = new PendingHandshakes(2);
    const first = pending.tryEnter('10.0.0.1')!;
    const second = pending.tryEnter('10.0.0.1')!;
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(pending.isFull('10.0.0.1')).toBe(true);
    expect(pending.tryEnter('10.0.0.1')).toBeUndefined();
    expect(pending.tryEnter('10.0.0.2'), 'another address has its own count').toBeDefined();
    first.release();
    expect(pending.isFull('10.0.0.1')).toBe(false);
    expect(pending.tryEnter('10.0.0.1')).toBeDefined();
    expect(pending.total).toBe(3);
  });

  it('releasing a slot twice gives back one place only', () => {
    const pending = new PendingHandshakes(2);
    const slot = pending.tryEnter('a')!;
    pending.tryEnter('a');
    slot.release();
    slot.release();
    expect(pending.countOf('a')).toBe(1);
    expect(pending.total).toBe(1);
  });

  it('an address whose slots are all released is forgotten', () => {
    const pending = new PendingHandshakes(5);
    const slots = Array.from({ length: 5 }, () => pending.tryEnter('a')!);
    for (const slot of slots) slot.release();
    expect(pending.countOf('a')).toBe(0);
    expect(pending.total).toBe(0);
    expect((pending as unknown as { byAddress: Map<string, number> }).byAddress.size).toBe(0);
  });

  it('a cap of 0 refuses nobody but still counts', () => {
    const pending = new PendingHandshakes(0);
    for (let i = 0; i < 5000; i++) expect(pending.tryEnter('a')).toBeDefined();
    expect(pending.isFull('a')).toBe(false);
    expect(pending.total).toBe(5000);
  });
});

describe('gateway - the address a connection counts under', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:127.0.0.1', '127.0.0.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0::/64'],
    ['2001:db8:aa:bb:cc::192.0.2.33', '2001:db8:aa:bb::/64'],
    [undefined, 'unknown'],
  ])('%s counts as %s', (remote, key) => {
    expect(addressKey(remote)).toBe(key);
  });

  it('two addresses of one /64 share a count, the next /64 does not', () => {
    const pending = new PendingHandshakes(1);
    expect(pending.tryEnter(addressKey('2001:db8:1:2::a'))).toBeDefined();
    expect(pending.tryEnter(addressKey('2001:db8:1:2:ffff::b'))).toBeUndefined();
    expect(pending.tryEnter(addressKey('2001:db8:1:3::a'))).toBeDefined();
  });
});
