import { Args, Command, Flags } from '@oclif/core';
import { writeFileSync } from 'node:fs';
import { readReportFile, ReportFileError } from '../../sim/compare/report-file.js';
import { htmlPathOf, relativeHref, renderRunPage, renderSweepPage } from '../../sim/report-html/index.js';

export default class SimReport extends Command {
  static override summary = 'Render a `chat-node sim --out` report (or a sweep summary) as an HTML page';
  // One line per paragraph: help wraps them to the terminal.
  static override description = [
    "Writes one self-contained HTML file (the chart library inlined: it opens offline): the verdict with every objective against its measure, the run's metadata, latency over time with throughput on a second axis, the percentile spectrum from the HDR histograms, each hop, CPU per process and role, connections and memory per gateway node, the floor beside it, and the findings of the oracle and the push, presence and typing checks.",
    "Reads reports of every format (format 1 has no timeline or histograms: the page says what is missing) and merged ones (`chat-node sim merge`). For a rate sweep's summary it writes the sweep's page (latency and deliveries by rate, a row per step) and each step's page next to the step's report, linked from it.",
    'Exit status: 0 written, 2 a file that cannot be read as a report.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> sim report reports/pairs.json',
    '<%= config.bin %> sim report merged.json --html /tmp/merged.html',
    '<%= config.bin %> sim report reports/sweep.json',
  ];
  static override args = {
    report: Args.string({
      description: 'a report or rate sweep summary written by `chat-node sim --out`',
      required: true,
    }),
  };
  static override flags = {
    html: Flags.string({ description: 'write the page here (default: next to the report, .html for .json)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SimReport);
    let file;
    try {
      file = readReportFile(args.report);
    } catch (error) {
      if (error instanceof ReportFileError) this.error(error.message, { exit: 2 });
      throw error;
    }
    const page = flags.html ?? htmlPathOf(args.report);
    if (file.kind === 'run') {
      writeFileSync(page, renderRunPage(file.report, { source: args.report }));
      this.log(`  html:   ${page}`);
      return;
    }
    const stepPages = new Map<number, string>();
    for (const [rate, step] of file.steps) {
      if (!step) continue;
      const stepPage = htmlPathOf(step.path);
      writeFileSync(stepPage, renderRunPage(step.report, { source: step.path }));
      this.log(`  html:   ${stepPage}`);
      stepPages.set(rate, relativeHref(page, stepPage));
    }
    const missing = [...file.steps].filter(([, step]) => !step).map(([rate]) => rate);
    if (missing.length > 0)
      this.warn(
        `no readable report for the steps at ${missing.join(', ')} msgs/s: their rows have the summary's figures only`,
      );
    writeFileSync(page, renderSweepPage(file.summary, { stepPages, source: args.report }));
    this.log(`  sweep page: ${page}`);
  }
}
