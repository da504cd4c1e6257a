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
