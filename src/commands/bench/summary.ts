import { Command, Flags } from '@oclif/core';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import {
  classifyResult,
  replaceSummary,
  summarySection,
  type BenchRun,
  type BenchResult,
} from '../../sim/bench/bench-summary.js';

export default class BenchSummary extends Command {
  static override summary = 'Write the summary table of the last `npm run bench` into docs/benchmarks.md';
  static override description =
    "Reads the runs that scripts/bench.sh recorded (<results>/runs.jsonl: each benchmark's name, command, JSON file and exit status), reads each JSON result, and replaces the generated section at the top of the document with a table: the machine, and per benchmark its command, its figures (latency percentiles, throughput, what the oracle found, connections and RSS per connection per gateway node) and whether it met its targets.";
  static override examples = [
    '<%= config.bin %> bench summary',
    '<%= config.bin %> bench summary --results bench/results --doc docs/benchmarks.md',
  ];
  static override flags = {
    results: Flags.string({ description: 'folder of the results and runs.jsonl', default: 'bench/results' }),
    doc: Flags.string({ description: 'the Markdown document to update', default: 'docs/benchmarks.md' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(BenchSummary);
    const index = `${flags.results}/runs.jsonl`;
    if (!existsSync(index))
      this.error(`${index} not found: run \`npm run bench\` first (scripts/bench.sh records each run there)`, {
        exit: 2,
      });
    const runs = readFileSync(index, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as BenchRun);
    const rows = runs.map((run) => ({ run, result: readResult(run.file) }));
    const cpu = cpus();
    const section = summarySection(
      rows,
      {
        cores: cpu.length,
        cpuModel: cpu[0]?.model.trim() ?? 'unknown CPU',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        os: `${type()} ${release()}`,
        node: process.versions.node,
      },
      new Date(),
    );
    const doc = existsSync(flags.doc) ? readFileSync(flags.doc, 'utf8') : '# Benchmarks\n';
    writeFileSync(flags.doc, replaceSummary(doc, section));
    this.log(`${flags.doc}: summary of ${rows.length} benchmarks written`);
  }
}

function readResult(file: string): BenchResult | undefined {
  try {
    return classifyResult(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}
