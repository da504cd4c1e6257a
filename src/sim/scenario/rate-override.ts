import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { parse } from 'yaml';
import { loadScenario } from './load-scenario.js';

/**
 * The scenario at `path` with its message rate replaced by `totalRate` msgs/s (for rate sweeps:
 * one scenario file, many rates), written as JSON to a temporary file, since the load processes
 * read the scenario from a path. The name gets the rate appended, so reports tell runs apart.
 * The file is validated as a whole first, so errors still point at the original.
 */
export function withTotalRate(path: string, totalRate: number): string {
  const scenario = loadScenario(path);
  const raw = parse(readFileSync(path, 'utf8')) as Record<string, unknown> & { messages: Record<string, unknown> };
  const { ratePerUser: _dropped, ...messages } = raw.messages;
  const overridden = { ...raw, name: `${scenario.name}-${totalRate}`, messages: { ...messages, totalRate } };
  const file = join(
    mkdtempSync(join(tmpdir(), 'chat-sim-scenario-')),
    `${basename(path, extname(path))}-${totalRate}.json`,
  );
  writeFileSync(file, JSON.stringify(overridden, null, 2));
  return file;
}
