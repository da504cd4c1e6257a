import { describe, expect, it } from 'vitest';
import { checkRun, type OracleReport, type OracleViolationKind } from '../../../src/sim/oracle/index.js';
import { T0, dropDelivery, flawlessRun, logOf, realId, smallPlan, swapSeqs, windowsOf } from './synthetic-run.js';

function counts(report: OracleReport): Partial<Record<OracleViolationKind, number>> {
  return Object.fromEntries(Object.entries(report.violationCounts).filter(([, n]) => n > 0));
}

describe('oracle', () => {
  it('a flawless run passes with full completeness', () => {
    const report = checkRun(flawlessRun());
    expect(report.ok).toBe(true);
    expect(report.totalViolations).toBe(0);
    expect(report.violations).toEqual([]);
    expect(report.warnings).toEqual([]);
    // dm: 5 messages x 3 devices (alice x2, bob); group: 5 x 4 (alice x2, bob, carol).
    expect(report.expectedDeliveries).toBe(35);
    expect(report.observedDeliveries).toBe(35);
    expect(report.completeness).toBe(1);
    expect(report).toMatchObject({
      planned: 10,
      acked: 10,
      unacked: 0,
      messages: 10,
      deliveriesLogged: 35,
      missingMessages: 0,
      skipped: 0,
      unsettled: 0,
    });
    expect(report.devices).toEqual({ planned: 5, logged: 5, unlogged: [], unloggedCount: 0 });
    expect(report.rooms).toEqual({ planned: 3, created: 3 });
  });

  it('a lost delivery is missing on that device only', () => {
    const input = flawlessRun();
    expect(dropDelivery(logOf(input, 'bob', 'phone'), 'group', 2)).toBe(1);
    const report = checkRun(input);
    expect(report.ok).toBe(false);
    expect(counts(report)).toEqual({ missing: 1 });
    expect(report.violations[0]).toMatchObject({
      kind: 'missing',
      room: realId('group'),
      roomKey: 'group',
      seq: 2,
      user: 'bob',
      device: 'phone',
    });
    expect(report.violations[0]!.detail).toContain('connected when it was acked');
    expect(report.observedDeliveries).toBe(34);
    expect(report.completeness).toBeCloseTo(34 / 35);
    expect(report.missingMessages).toBe(1);
  });

  it('a message lost for a whole room is missing on every member device except the sender', () => {
    const input = flawlessRun();
    // group #2 was sent by alice/laptop: her laptop has it from the ack, the others lose it.
    for (const log of input.logs) dropDelivery(log, 'group', 2);
    const report = checkRun(input);
    expect(counts(report)).toEqual({ missing: 3 });
    expect(report.violations.map((v) => `${v.user}/${v.device}`).sort()).toEqual([
      'alice/phone',
      'bob/phone',
      'carol/laptop',
    ]);
    expect(report.missingMessages).toBe(1);
  });

  it('a message shown twice is a duplicate', () => {
    const input = flawlessRun();
    const log = logOf(input, 'carol', 'laptop');
    const copy = log.deliveries.find((d) => d.room === realId('group') && d.seq === 2)!;
    log.deliveries.push({ ...copy, at: copy.at + 5000 });
    const report = checkRun(input);
    expect(counts(report)).toEqual({ duplicate: 1 });
    expect(report.violations[0]).toMatchObject({
      kind: 'duplicate',
      roomKey: 'group',
      seq: 2,
      user: 'carol',
      device: 'laptop',
    });
    // The copy still counts once for completeness.
    expect(report.completeness).toBe(1);
  });

  it('a repeat right after the first copy is a duplicate, not out of order', () => {
    const input = flawlessRun();
    const log = logOf(input, 'bob', 'phone');
    const index = log.deliveries.findIndex((d) => d.room === realId('dm') && d.seq === 4);
    log.deliveries.splice(index + 1, 0, { ...log.deliveries[index]! });
    expect(counts(checkRun(input))).toEqual({ duplicate: 1 });
  });

  it('messages shown out of room order are out-of-order, not missing', () => {
    const input = flawlessRun();
    const log = logOf(input, 'alice', 'phone');
    const rooms = log.deliveries.map((d, i) => [d, i] as const).filter(([d]) => d.room === realId('group'));
    // Show group #2 and #3 after #4: 1 4 2 3 5.
    const [, i2] = rooms[1]!;
    const [, i3] = rooms[2]!;
    const [, i4] = rooms[3]!;
    const [d2, d3, d4] = [log.deliveries[i2]!, log.deliveries[i3]!, log.deliveries[i4]!];
    log.deliveries[i2] = d4;
    log.deliveries[i3] = d2;
    log.deliveries[i4] = d3;
    const report = checkRun(input);
    expect(counts(report)).toEqual({ 'out-of-order': 2 });
    expect(report.violations.map((v) => v.seq)).toEqual([2, 3]);
    expect(report.violations[0]!.detail).toContain('after #4');
    expect(report.completeness).toBe(1);
  });

  it('interleaving rooms is not a reorder: order is per room', () => {
    const input = flawlessRun();
    const log = logOf(input, 'alice', 'laptop');
    // All group messages first, then all dm messages.
    log.deliveries.sort((a, b) => (a.room === b.room ? a.seq - b.seq : a.room === realId('group') ? -1 : 1));
    expect(checkRun(input).ok).toBe(true);
  });

  it('a seq that nobody saw and nobody was acked for is a seq gap', () => {
    const input = flawlessRun();
    // dm #3 was committed but lost everywhere, and its sender never got the ack.
    input.acks.splice(
      input.acks.findIndex((a) => a.room === realId('dm') && a.seq === 3),
      1,
    );
    for (const log of input.logs) dropDelivery(log, 'dm', 3);
    const report = checkRun(input);
    expect(counts(report)).toEqual({ 'seq-gap': 1 });
    expect(report.violations[0]).toMatchObject({ kind: 'seq-gap', room: realId('dm'), roomKey: 'dm', seq: 3 });
    expect(report).toMatchObject({ acked: 9, unacked: 1 });
  });

  it('a lost tail that devices know of from lastSeq is a seq gap', () => {
    const input = flawlessRun();
    input.acks.splice(
      input.acks.findIndex((a) => a.room === realId('dm') && a.seq === 5),
      1,
    );
    for (const log of input.logs) dropDelivery(log, 'dm', 5);
    const report = checkRun(input);
    // Every dm device says lastSeq 5, but nobody showed #5 and nobody was acked for it.
    expect(counts(report)).toEqual({ 'seq-gap': 1 });
    expect(report.violations[0]!.seq).toBe(5);
  });

  it('a run of lost seqs counts each one; a wild seq does not stall the check', () => {
    const input = flawlessRun(smallPlan(20));
    const lost = new Set([5, 6, 7, 8]);
    input.acks = input.acks.filter((a) => !(a.room === realId('group') && lost.has(a.seq)));
    for (const log of input.logs) for (const seq of lost) dropDelivery(log, 'group', seq);
    logOf(input, 'bob', 'phone').deliveries.push({
      room: realId('dm'),
      seq: 1e9,
      clientMsgId: 'bob-x',
      sender: 'bob',
      at: T0 + 99_000,
    });
    const report = checkRun({ ...input, options: { maxListed: 2 } });
    expect(report.violationCounts['seq-gap']).toBe(4 + (1e9 - 21));
    expect(report.violations.map((v) => [v.roomKey, v.seq])).toEqual([
      ['dm', 21],
      ['dm', 22],
    ]);
  });

  it('an unsent last send is counted as unacked, not as a violation', () => {
    const plan = smallPlan();
    const input = flawlessRun(plan);
    const last = input.acks.pop()!;
    for (const log of input.logs) {
      dropDelivery(log, 'group', last.seq);
      if (log.rooms[last.room] !== undefined) log.rooms[last.room] = last.seq - 1;
      if (log.readSeq[last.room] !== undefined) log.readSeq[last.room] = last.seq - 1;
    }
    const report = checkRun(input);
    expect(report.ok).toBe(true);
    expect(report).toMatchObject({ planned: 10, acked: 9, unacked: 1 });
    expect(report.expectedDeliveries).toBe(35 - 4);
  });

  it('diverged read positions of one user are reported per room', () => {
    const input = flawlessRun();
    logOf(input, 'alice', 'phone').readSeq[realId('group')] = 2;
    const report = checkRun(input);
    expect(counts(report)).toEqual({ 'read-diverged': 1 });
    expect(report.violations[0]).toMatchObject({ kind: 'read-diverged', roomKey: 'group', user: 'alice' });
    expect(report.violations[0]!.detail).toContain('laptop=5, phone=2');
  });

  it('read positions are not compared for a target that keeps none (the floor), and nothing else is skipped', () => {
    const input = flawlessRun();
    logOf(input, 'alice', 'phone').readSeq[realId('group')] = 2;
    input.options = { readState: false };
    expect(checkRun(input).ok).toBe(true);
    logOf(input, 'bob', 'phone').deliveries.pop();
    expect(counts(checkRun(input))).toEqual({ missing: 1 });
  });

  it('a room one device of a user does not know counts as read up to 0', () => {
    const input = flawlessRun();
    delete logOf(input, 'alice', 'laptop').readSeq[realId('dm')];
    expect(counts(checkRun(input))).toEqual({ 'read-diverged': 1 });
  });

  it('a device offline during sends that got them after reconnecting has nothing missing', () => {
    const input = flawlessRun();
    // bob's phone is offline from +2.5 s to +6.5 s: sends at +3 s .. +6 s reach it at +7 s.
    windowsOf(input, 'bob', 'phone').splice(0, 1, { from: T0 - 1000, to: T0 + 2500 }, { from: T0 + 6500, to: null });
    for (const delivery of logOf(input, 'bob', 'phone').deliveries) {
      if (delivery.at > T0 + 2500 && delivery.at < T0 + 6500) delivery.at = T0 + 7000;
    }
    const report = checkRun(input);
    expect(report.ok).toBe(true);
    expect(report.completeness).toBe(1);
  });

  it('a message an offline device never got after reconnecting is missing, and says so', () => {
    const input = flawlessRun();
    windowsOf(input, 'bob', 'phone').splice(0, 1, { from: T0 - 1000, to: T0 + 2500 }, { from: T0 + 6500, to: null });
    // dm #2 is sent at +2 s, group #2 at +3 s: bob was offline for the latter only.
    dropDelivery(logOf(input, 'bob', 'phone'), 'group', 2);
    const report = checkRun(input);
    expect(counts(report)).toEqual({ missing: 1 });
    expect(report.violations[0]!.detail).toContain('offline when it was acked and reconnected 3.5 s later');
  });

  it('a run that did not end synced does not blame devices that could not have caught up', () => {
    const input = flawlessRun();
    input.allSynced = false;
    // bob's phone went offline at +2.5 s and never came back: it lacks everything after.
    windowsOf(input, 'bob', 'phone').splice(0, 1, { from: T0 - 1000, to: T0 + 2500 });
    const bob = logOf(input, 'bob', 'phone');
    bob.deliveries = bob.deliveries.filter((d) => d.at < T0 + 2500);
    // carol's laptop stayed connected and still lost group #5: that one is missing.
    dropDelivery(logOf(input, 'carol', 'laptop'), 'group', 5);
    const report = checkRun({ ...input, options: { settleMs: 1000 } });
    expect(counts(report)).toEqual({ missing: 1 });
    expect(report.violations[0]).toMatchObject({ user: 'carol', seq: 5 });
    // bob's phone lacks dm #3..5 (sent from +4 s) and group #2..5 (from +3 s), less the two
    // it sent itself (dm #5, group #3), which it has from their acks.
    expect(report.unsettled).toBe(5);
    expect(report.observedDeliveries).toBe(35 - 5 - 1);
  });

  it('in a run that did not end synced, read state is compared only across connected devices', () => {
    const input = flawlessRun();
    input.allSynced = false;
    windowsOf(input, 'alice', 'phone').splice(0, 1, { from: T0 - 1000, to: T0 + 9500 });
    logOf(input, 'alice', 'phone').readSeq[realId('group')] = 2;
    expect(checkRun(input).violationCounts['read-diverged']).toBe(0);
  });

  it('the sending device has its message from the ack even if its log lacks it', () => {
    const input = flawlessRun();
    const laptop = logOf(input, 'alice', 'laptop');
    laptop.deliveries = laptop.deliveries.filter(
      (d) => d.sender !== 'alice' || input.acks.some((a) => a.clientMsgId === d.clientMsgId && a.device !== 'laptop'),
    );
    const report = checkRun(input);
    expect(report.ok).toBe(true);
    expect(report.completeness).toBe(1);
  });

  it("the sender's other devices must show its message", () => {
    const input = flawlessRun();
    // dm #1 is alice/laptop's: her phone must show it too.
    dropDelivery(logOf(input, 'alice', 'phone'), 'dm', 1);
    const report = checkRun(input);
    expect(counts(report)).toEqual({ missing: 1 });
    expect(report.violations[0]).toMatchObject({ user: 'alice', device: 'phone', seq: 1 });
  });

  it('a user who is not a member never counts, and showing them a room is a warning', () => {
    const input = flawlessRun();
    expect(checkRun(input).expectedDeliveries).toBe(35);
    const dave = logOf(input, 'dave', 'tablet');
    dave.deliveries.push({ room: realId('group'), seq: 1, clientMsgId: 'carol-m1', sender: 'carol', at: T0 + 20 });
    const report = checkRun(input);
    expect(report.ok).toBe(true);
    expect(report.expectedDeliveries).toBe(35);
    expect(report.warningCounts['non-member-delivery']).toBe(1);
    expect(report.warnings[0]).toMatchObject({
      kind: 'non-member-delivery',
      user: 'dave',
      device: 'tablet',
      roomKey: 'group',
    });
  });

  it('two messages at one (room, seq) are a conflict, reported once per variant', () => {
    const input = flawlessRun();
    for (const [user, device] of [
      ['bob', 'phone'],
      ['carol', 'laptop'],
    ] as const) {
      const delivery = logOf(input, user, device).deliveries.find((d) => d.room === realId('group') && d.seq === 2)!;
      delivery.clientMsgId = 'intruder-1';
      delivery.sender = 'eve';
    }
    const report = checkRun(input);
    expect(counts(report)).toEqual({ conflict: 1 });
    expect(report.violations[0]).toMatchObject({
      kind: 'conflict',
      roomKey: 'group',
      seq: 2,
      user: 'bob',
      device: 'phone',
    });
    expect(report.violations[0]!.detail).toContain('eve/intruder-1');
  });

  it('one send committed at two seqs is a duplicate', () => {
    const input = flawlessRun();
    // Every dm device also shows alice-m1 again as dm #6 (a resend numbered twice).
    for (const log of input.logs) {
      if (log.rooms[realId('dm')] !== undefined)
        log.deliveries.push({ room: realId('dm'), seq: 6, clientMsgId: 'alice-m1', sender: 'alice', at: T0 + 50_000 });
    }
    const report = checkRun(input);
    expect(counts(report)).toEqual({ duplicate: 1 });
    expect(report.violations[0]!.detail).toBe('alice/alice-m1 is both dm#1 and dm#6 (device alice/laptop)');
    // The second copy was never acked: also a warning.
    expect(report.warningCounts['unacked-delivered']).toBe(1);
  });

  it('a send acked twice with different seqs is a duplicate', () => {
    const input = flawlessRun();
    const first = input.acks.find((a) => a.room === realId('dm') && a.seq === 1)!;
    input.acks.push({ ...first, seq: 6, msgId: 'other' });
    for (const log of input.logs)
      if (log.rooms[realId('dm')] !== undefined)
        log.deliveries.push({
          room: realId('dm'),
          seq: 6,
          clientMsgId: first.clientMsgId,
          sender: first.user,
          at: T0 + 50_000,
        });
    const report = checkRun(input);
    expect(counts(report)).toEqual({ duplicate: 1 });
    expect(report.acked).toBe(10);
  });

  it('a resend acked again with the same seq changes nothing', () => {
    const input = flawlessRun();
    input.acks.push({ ...input.acks[3]!, ackedAt: input.acks[3]!.ackedAt + 4000 });
    const report = checkRun(input);
    expect(report.ok).toBe(true);
    expect(report.acked).toBe(10);
    expect(report.expectedDeliveries).toBe(35);
  });

  it('a delivered message whose sender never got the ack is a warning, not a violation', () => {
    const input = flawlessRun();
    const [lost] = input.acks.splice(2, 1);
    const report = checkRun(input);
    expect(report.ok).toBe(true);
    expect(report.warningCounts['unacked-delivered']).toBe(1);
    expect(report.warnings[0]).toMatchObject({
      kind: 'unacked-delivered',
      room: lost!.room,
      seq: lost!.seq,
      user: lost!.user,
    });
    expect(report).toMatchObject({ acked: 9, unacked: 1 });
    // Not acked, so not expected: completeness is over acked messages only.
    expect(report.expectedDeliveries).toBe(35 - 3);
  });

  it('a send acked in another room than planned is a conflict', () => {
    const input = flawlessRun();
    const ack = input.acks.find((a) => a.room === realId('dm'))!;
    const report = checkRun({
      ...input,
      acks: [...input.acks.filter((a) => a !== ack), { ...ack, room: realId('solo'), seq: 1 }],
    });
    expect(report.violationCounts.conflict).toBe(1);
    expect(report.violations.find((v) => v.kind === 'conflict')!.detail).toContain(
      'sent to room dm but acked in room solo',
    );
  });

  it('a planned device without a log fails the run and is listed', () => {
    const input = flawlessRun();
    input.logs = input.logs.filter((log) => !(log.user === 'carol'));
    const report = checkRun(input);
    expect(report.ok).toBe(false);
    expect(report.totalViolations).toBe(0);
    expect(report.devices).toMatchObject({ logged: 4, unlogged: ['carol/laptop'], unloggedCount: 1 });
    expect(report.expectedDeliveries).toBe(35 - 5);
  });

  it('seqs a truncated sync skipped on purpose are skipped, not missing', () => {
    const input = flawlessRun();
    const phone = logOf(input, 'alice', 'phone');
    for (const seq of [1, 2, 3]) dropDelivery(phone, 'group', seq);
    const report = checkRun({
      ...input,
      skipped: new Map([['alice/phone', [{ room: realId('group'), from: 1, to: 3 }]]]),
    });
    expect(report.ok).toBe(true);
    expect(report.skipped).toBe(3);
    expect(report.observedDeliveries).toBe(32);
  });

  it('the list is capped, the counts are not', () => {
    const input = flawlessRun(smallPlan(50));
    for (const log of input.logs) if (log.user === 'carol') log.deliveries = [];
    const report = checkRun({ ...input, options: { maxListed: 3 } });
    // carol's laptop lacks the 50 group messages except the 17 she sent herself.
    expect(report.violationCounts.missing).toBe(33);
    expect(report.totalViolations).toBe(33);
    expect(report.violations).toHaveLength(3);
  });

  it('room ids work as a Map or a plain object, windows too', () => {
    const input = flawlessRun();
    const report = checkRun({
      ...input,
      roomIds: new Map(Object.entries(input.roomIds)),
      windows: new Map(Object.entries(input.windows)),
    });
    expect(report.ok).toBe(true);
    expect(report.expectedDeliveries).toBe(35);
  });

  it("a client's two sends to a room numbered the other way round are a send-order violation, though every device shows the room in order", () => {
    const input = flawlessRun();
    // group #2 and #5 are alice/laptop's alice-m2 and alice-m5.
    swapSeqs(input, 'group', 2, 5);
    const report = checkRun(input);
    expect(report.ok).toBe(false);
    expect(counts(report)).toEqual({ 'send-order': 1 });
    expect(report.violations[0]).toMatchObject({
      kind: 'send-order',
      room: realId('group'),
      roomKey: 'group',
      seq: 5,
      user: 'alice',
      device: 'laptop',
    });
    expect(report.violations[0]!.detail).toBe(
      'alice/laptop sent alice-m2 before alice-m5 (client 1), but they are group#5 and group#2',
    );
    expect(report.completeness).toBe(1);
  });

  it('send order is per client and room: other senders, another device of the user, another client of the device are not compared', () => {
    const input = flawlessRun();
    // group #1 carol-m1 <-> #2 alice-m2: two senders.
    swapSeqs(input, 'group', 1, 2);
    // dm #3 alice-m3 (phone) <-> #4 alice-m4 (laptop): two devices of one user.
    swapSeqs(input, 'dm', 3, 4);
    expect(counts(checkRun(input))).toEqual({});
    // group #2 and #5 are alice/laptop's: sent from two clients (a reconnect by the runner), not compared.
    const other = flawlessRun();
    swapSeqs(other, 'group', 2, 5);
    other.acks.find((a) => a.clientMsgId === 'alice-m5')!.client = 2;
    expect(counts(checkRun(other))).toEqual({});
  });

  it('a send answered "try later" may be numbered after the sends made after it; acks without the client\'s order are not checked', () => {
    const input = flawlessRun();
    swapSeqs(input, 'group', 2, 5);
    input.acks.find((a) => a.clientMsgId === 'alice-m2')!.retried = true;
    expect(counts(checkRun(input))).toEqual({});
    // The later one retried does not excuse it.
    const later = flawlessRun();
    swapSeqs(later, 'group', 2, 5);
    later.acks.find((a) => a.clientMsgId === 'alice-m5')!.retried = true;
    expect(counts(checkRun(later))).toEqual({ 'send-order': 1 });
    const unordered = flawlessRun();
    swapSeqs(unordered, 'group', 2, 5);
    for (const ack of unordered.acks) delete ack.order;
    expect(counts(checkRun(unordered))).toEqual({});
  });

  it('a repeated ack of one send is not a send-order violation; each send out of order counts once', () => {
    const input = flawlessRun(smallPlan(8));
    // group: alice/laptop sends at i = 1, 4, 7 -> seqs 2, 5, 8; number them 8, 5, 2 instead.
    swapSeqs(input, 'group', 2, 8);
    const repeat = input.acks.find((a) => a.clientMsgId === 'alice-m5')!;
    input.acks.push({ ...repeat, ackedAt: repeat.ackedAt + 1000 });
    const report = checkRun(input);
    // alice's first send (#8) is after both later ones, the second (#5) after the third (#2).
    expect(counts(report)).toEqual({ 'send-order': 2 });
  });
});
