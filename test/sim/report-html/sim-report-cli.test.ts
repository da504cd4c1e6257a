import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { sampleReport, sampleSweep } from './sample-report.js';

/** `chat-node sim report` as a user runs it (bin/run.js over dist/), on report files written here. */
const dir = mkdtempSync(join(tmpdir(), 'chat-report-html-cli-'));
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
const file = (name: string) => join(dir, name);
/** oclif wraps an error to the terminal, each line behind " ›": back to one line. */
const unwrapped = (stderr: string) => stderr.replace(/\s*\n\s*›\s*/g, ' ');
const FORMAT_1 = fileURLToPath(new URL('../compare/fixtures/format-1-one-to-one.json', import.meta.url));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sim report (command)', () => {
  it('writes the page next to the report and prints its path; --html puts it elsewhere', async () => {
    writeFileSync(file('run.json'), JSON.stringify(sampleReport()));
    const beside = await runCli(['sim', 'report', file('run.json')], env);
    expect(beside.code, beside.stderr).toBe(0);
    expect(beside.stdout).toBe(`  html:   ${file('run.html')}\n`);
    expect(readFileSync(file('run.html'), 'utf8')).toContain('<span class="badge fail">FAIL</span>');
    const elsewhere = await runCli(['sim', 'report', FORMAT_1, '--html', file('old.html')], env);
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect(readFileSync(file('old.html'), 'utf8')).toContain('one-to-one');
  });

  it("writes a sweep's page and each step's page beside its report, linked from it", async () => {
    const summary = sampleSweep();
    // Two of the four steps' reports are there, under the names the summary gives, next to it.
    summary.steps[0]!.report = 'sweep-500.json';
    summary.steps[1]!.report = 'sweep-1000.json';
    writeFileSync(file('sweep.json'), JSON.stringify(summary));
    writeFileSync(file('sweep-500.json'), JSON.stringify({ ...sampleReport(), runId: 'at-500' }));
    writeFileSync(file('sweep-1000.json'), JSON.stringify({ ...sampleReport(), runId: 'at-1000' }));
    const result = await runCli(['sim', 'report', file('sweep.json')], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`html:   ${file('sweep-500.html')}`);
    expect(result.stdout).toContain(`sweep page: ${file('sweep.html')}`);
    expect(unwrapped(result.stderr)).toMatch(/no readable report for the steps at 2000, 4000 msgs\/s/);
    expect(readFileSync(file('sweep-1000.html'), 'utf8')).toContain('run at-1000');
    const page = readFileSync(file('sweep.html'), 'utf8');
    expect(page).toContain('<a href="sweep-500.html">its page</a>');
    expect(page).toContain('<a href="sweep-1000.html">its page</a>');
    expect(existsSync(file('sweep-4000.html'))).toBe(false);
  });

  it('exits 2 with the reason for a file that is not a report', async () => {
    writeFileSync(file('other.json'), '{"hello": 1}');
    const result = await runCli(['sim', 'report', file('other.json')], env);
    expect(result.code).toBe(2);
    expect(unwrapped(result.stderr)).toContain('other.json: not a chat-node sim report or sweep summary');
    expect(existsSync(file('other.html'))).toBe(false);
  });
});
