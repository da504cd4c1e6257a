import type { FaultResult } from './fault-result.js';

/** The fault table as Markdown: what a person reads after the suite (and what docs/faults.md quotes). */
export function faultTable(results: readonly FaultResult[]): string {
  const header = '| fault | acked in flight | lost | duplicates shown | order violations | to non-members | unacked but delivered | recovery | completeness | verdict |';
  const rule = '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |';
  const rows = results.map((r) =>
    [
      `\`${r.fault}\` ${r.description}`,
      r.ackedInFlight,
      r.lost,
      r.duplicates,
      r.orderViolations,
      r.nonMemberDeliveries,
      r.unackedDelivered,
      r.recoveryMs === null ? 'never' : `${(r.recoveryMs / 1000).toFixed(1)} s`,
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
    (second) => `  +${(second.atMs / 1000).toFixed(0)}s ${second.deliveries} deliveries, p99 ${Math.round(second.p99Ms)} ms, ${second.good ? 'good' : 'bad'}`,
  );
  return [`${result.fault}: the seconds after the fault`, ...lines].join('\n');
}
