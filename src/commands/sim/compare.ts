import { Args, Command, Flags } from '@oclif/core';
import { formatComparison } from '../../sim/compare/comparison-table.js';
import { compareReports, DEFAULT_THRESHOLD_PCT } from '../../sim/compare/report-comparison.js';
import { readReportFile, ReportFileError } from '../../sim/compare/report-file.js';

export default class SimCompare extends Command {
  static override summary = 'Compare two `chat-node sim --out` reports figure by figure and flag regressions';
  // One line per paragraph: help wraps them to the terminal.
  static override description = [
    "Prints A and B side by side with the change (absolute and %) of every figure both have: deliver, ack and connect latency p50/p90/p99/p99.9/max, throughput, completeness and violations, SLOs missed, CPU seconds per 1,000 messages (server, per role, per thread, per service), RSS per connection, each hop's latency, the ratios to the floor; for two rate sweeps' summaries, all of it per step (read from each step's report).",
    'B is "worse" (a regression) when a latency, CPU or memory figure rose, or a throughput fell, by more than --threshold %; when completeness or a share acked or delivered dropped at all; when violations or missed SLOs rose at all. Latency percentiles come from the reports\' HDR histograms when both have them; reports from before histograms (format 1) are compared on their summary figures, and the output says so. Hops come from the roles\' Prometheus buckets. Differences in scenario, commit, machine, cluster or options are noted above the table.',
    'Exit status: 0 no regression, 1 a regression, 2 a file that cannot be compared (missing, not JSON, not a report, a run against a sweep). To pool several runs of one scenario first: `chat-node sim merge`.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> sim compare before.json after.json',
    '<%= config.bin %> sim compare bench/results/pairs.json pairs.json --threshold 20',
    '<%= config.bin %> sim compare old/sweep.json bench/results/rate-sweep.json --json',
  ];
  static override args = {
    a: Args.string({ description: 'the baseline report (or rate sweep summary)', required: true }),
    b: Args.string({ description: 'the report compared with it', required: true }),
  };
  static override flags = {
    threshold: Flags.integer({
      description: 'change (%) in latency, throughput, CPU and memory beyond which B is worse',
      default: DEFAULT_THRESHOLD_PCT,
      min: 0,
    }),
    json: Flags.boolean({
      description: 'print the comparison as JSON (rows, notes, regressions) instead of the table',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SimCompare);
    let comparison;
    try {
      comparison = compareReports(readReportFile(args.a), readReportFile(args.b), flags.threshold);
    } catch (error) {
      if (error instanceof ReportFileError) this.error(error.message, { exit: 2 });
      throw error;
    }
    const scenarios = comparison.notes.find((note) => note.startsWith('different scenarios'));
    if (scenarios) this.warn(scenarios);
    this.log(flags.json ? JSON.stringify(comparison, null, 2) : formatComparison(comparison));
    process.exitCode = comparison.regressions > 0 ? 1 : 0;
  }
}
