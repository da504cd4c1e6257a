import { Command, Flags } from '@oclif/core';
import { writeFileSync } from 'node:fs';
import { readReportFile, ReportFileError, type RunFile } from '../../sim/compare/report-file.js';
import { mergeReports } from '../../sim/compare/report-merge.js';
import { formatReport } from '../../sim/runner/sim-report.js';

export default class SimMerge extends Command {
  static override summary = 'Merge reports of one scenario exactly: histograms added, counts summed';
  // One line per paragraph: help wraps them to the terminal.
  static override description = [
    'Reads two or more `chat-node sim --out` reports of the same scenario (several load machines running it at once against one cluster, or repeats pooled for more samples) and writes one report of them all, as if one run had made all their load at once, aligned at time zero.',
    "Latency histograms (deliver, ack, connect) are added, so the merged percentiles are exactly those of every sample of every run; each hop's buckets are added; counts, rates and CPU seconds add up (CPU per 1,000 messages is over all messages), durations are the longest; the per-second timelines add up second by second. The objectives are judged again where the merged report has the figure (latency, completeness, violations); the others are met when every run met them. Figures no histogram was kept for (push latency, reconnect p50/p99) are the runs' highest, and `merged.notes` in the report says so. The floor comparison is not merged.",
    'Reports from before histograms (format 1) cannot be merged exactly and are refused, as are reports of different scenarios, the same run given twice, and rate sweep summaries (merge their step reports). The merged report compares like any other (`chat-node sim compare`). Exit status: 0 merged, 2 a file that cannot be merged.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> sim merge load-1.json load-2.json --out all.json',
    '<%= config.bin %> sim merge run-*.json --out pooled.json',
    {
      description: 'then compare the pooled runs with a baseline:',
      command: '<%= config.bin %> sim compare baseline.json pooled.json',
    },
  ];
  static override strict = false;
  static override usage = 'sim merge REPORT REPORT... [--out <value>]';
  static override flags = {
    out: Flags.string({ description: 'write the merged JSON report here (without it, only the table is printed)' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(SimMerge);
    const paths = argv as string[];
    if (paths.length < 2)
      this.error('sim merge takes two reports or more: chat-node sim merge A.json B.json --out M.json', { exit: 2 });
    let merged;
    try {
      const parts = paths.map((path) => {
        const file = readReportFile(path);
        if (file.kind === 'sweep')
          throw new ReportFileError(
            `${path} is a rate sweep's summary: merge its steps' reports (<name>-<rate>.json), one rate at a time`,
          );
        return file satisfies RunFile;
      });
      merged = mergeReports(parts);
    } catch (error) {
      if (error instanceof ReportFileError) this.error(error.message, { exit: 2 });
      throw error;
    }
    this.log(formatReport(merged));
    this.log(
      `  merged ${paths.length} reports: ${merged.merged!.parts.map((part) => `${part.file} (run ${part.runId})`).join(', ')}`,
    );
    for (const note of merged.merged!.notes) this.log(`  note: ${note}`);
    if (flags.out) {
      writeFileSync(flags.out, `${JSON.stringify(merged, null, 2)}\n`);
      this.log(`  report: ${flags.out}`);
    }
  }
}
