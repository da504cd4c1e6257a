import type { FaultResult } from './fault-result.js';

/** The fault table as Markdown: what a person reads after the suite (and what docs/faults.md quotes). */
export function faultTable(results: readonly FaultResult[]): string {
  const header =
    '| fault | acked in flight | lost | duplicates shown | order violations | to non-members | unacked but delivered | never acked | recovery | after the heal | completeness | verdict |';
  const rule = '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |';
  const rows = results.map((r) =>
    [
      `\`${r.fault}\` ${r.description}`,
      r.ackedInFlight,
      r.lost,
      r.duplicates,
      r.orderViolations,
      r.nonMemberDeliveries,
      r.unackedDelivered,
      r.unackedAtEnd,
      r.recoveryMs === null
        ? 'never'
        : `${(r.recoveryMs / 1000).toFixed(1)} s${r.routedAroundMs === null ? '' : ` (services rerouted at ${(r.routedAroundMs / 1000).toFixed(1)} s)`}`,
      r.recoveryAfterHealMs === null ? '-' : `${(r.recoveryAfterHealMs / 1000).toFixed(1)} s`,
      r.completeness.toFixed(4),
      r.pass ? 'pass' : `FAIL: ${r.problems.join('; ')}`,
    ].join(' | '),
  );
  return [header, rule, ...rows.map((row) => `| ${row} |`)].join('\n');
}

/**
 * The seconds after a fault as the recovery rule judged them, one line each (`+3s 41 deliveries,
 * p99 2417 ms, bad`): where a slow recovery spent its time. Printed with FAULT_TIMELINE=1.
 */
export function faultTimeline(result: FaultResult): string {
  const lines = result.timeline.map(
    (second) =>
      `  +${(second.atMs / 1000).toFixed(0)}s ${second.deliveries} deliveries, p99 ${Math.round(second.p99Ms)} ms, ${second.good ? 'good' : 'bad'}`,
  );
  const rerouted =
    result.routedAroundMs === null
      ? ''
      : ` (the services rerouted after ${(result.routedAroundMs / 1000).toFixed(1)} s)`;
  const healed = result.healedMs > 0 ? ` (healed after ${(result.healedMs / 1000).toFixed(1)} s)${rerouted}` : rerouted;
  return [`${result.fault}: the seconds after the fault${healed}`, ...lines].join('\n');
}

/** The push figures of the results that have them (a push outage, or any fault run with a push log), as Markdown. */
export function pushFaultTable(results: readonly FaultResult[]): string {
  const header =
    '| fault | owed (device, room) pairs | notified | missing | to non-members | to connected devices | notifications | during the fault | repeats | first after heal | caught up after heal | ack -> push p99 / max |';
  const rule = '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  const seconds = (ms: number | null) => (ms === null ? 'none' : `${(ms / 1000).toFixed(1)} s`);
  const rows = results.flatMap((r) =>
    r.push
      ? [
          [
            `\`${r.fault}\``,
            r.push.expectedPairs,
            r.push.notifiedPairs,
            r.push.missing,
            r.push.nonMember,
            r.push.unexpected,
            r.push.notifications,
            r.push.duringFault,
            r.push.repeats,
            seconds(r.push.resumedAfterMs),
            seconds(r.push.caughtUpAfterMs),
            `${seconds(r.push.latencyP99Ms)} / ${seconds(r.push.latencyMaxMs)}`,
          ].join(' | '),
        ]
      : [],
  );
  return [header, rule, ...rows.map((row) => `| ${row} |`)].join('\n');
}
