import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredReport } from '../../../src/sim/compare/report-file.js';
import { html } from '../../../src/sim/report-html/html-text.js';
import { renderPage } from '../../../src/sim/report-html/page-shell.js';
import { renderRunPage, renderSweepPage } from '../../../src/sim/report-html/index.js';
import { sampleReport, sampleSweep } from './sample-report.js';

/**
 * The report pages in a real browser: Debian's Chromium, headless, opens each page from its
 * file (no server, no network), runs its scripts and dumps the DOM they leave. Each chart box
 * carries the marks the page's script set once uPlot drew it (canvas size, pixels painted), and
 * <body> the count of charts drawn and of script errors. The run's page is kept as a screenshot
 * under reports/ (ignored by git) for a person to look at.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ARTIFACTS = join(ROOT, 'reports', 'test-artifacts', 'report-html');
const CHROMIUM = process.env.CHROMIUM ?? 'chromium';
const FORMAT_1 = join(ROOT, 'test', 'sim', 'compare', 'fixtures', 'format-1-one-to-one.json');
const profile = mkdtempSync(join(tmpdir(), 'chat-report-chromium-'));
let missing: string | undefined;

beforeAll(() => {
  const version = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  if (version.status !== 0) {
    missing = `Chromium is not installed (\`${CHROMIUM} --version\` failed: ${version.error?.message ?? version.stderr.trim()}). This test opens the report pages in a real browser: install Debian's package with \`apt-get install -y chromium\` (.ci/run does), or set CHROMIUM to a Chromium binary.`;
  }
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(() => rmSync(profile, { recursive: true, force: true }));

/** Runs headless Chromium on a page to its end; its stdout. Fails the test, saying how to install it, when there is none. */
async function chromium(page: string, output: string[]): Promise<string> {
  if (missing) throw new Error(missing);
  const args = [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-extensions',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--hide-scrollbars',
    `--user-data-dir=${profile}`,
    '--window-size=1280,2000',
    // Lets the page's timers and the charts' drawing finish before the DOM or the picture is taken.
    '--virtual-time-budget=5000',
    ...output,
    pathToFileURL(page).href,
  ];
  const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`chromium exited with ${code}: ${stderr.slice(-2000)}`);
  return stdout;
}

interface PageMarks {
  expected: number;
  rendered: number;
  errors: number;
  errorList: string;
  charts: Array<{ id: string; width: number; height: number; painted: number }>;
}

/** The marks the page's script left in the DOM (page-script.ts). */
function marksOf(dom: string): PageMarks {
  const body = /<body([^>]*)>/.exec(dom)?.[1] ?? '';
  const attr = (name: string) => Number(new RegExp(`${name}="(\\d+)"`).exec(body)?.[1] ?? NaN);
  const charts = [
    ...dom.matchAll(/<div class="chart-box" id="([^"]+)"[^>]*?data-rendered="(\d+)x(\d+)" data-painted="(-?\d+)"/g),
  ].map((m) => ({
    id: m[1]!,
    width: Number(m[2]),
    height: Number(m[3]),
    painted: Number(m[4]),
  }));
  const errorList = /<ol id="page-errors"[^>]*>([\s\S]*?)<\/ol>/.exec(dom)?.[1] ?? '';
  return {
    expected: attr('data-charts-expected'),
    rendered: attr('data-charts-rendered'),
    errors: attr('data-page-errors'),
    errorList,
    charts,
  };
}

function writePage(name: string, page: string): string {
  const path = join(ARTIFACTS, name);
  writeFileSync(path, page);
  return path;
}

/** Every chart drawn, each with a canvas and pixels on it, and no script error. */
function expectDrawn(marks: PageMarks, ids: string[]): void {
  expect(marks.errorList.trim(), 'errors the page listed').toBe('');
  expect(marks.errors).toBe(0);
  expect(marks.expected).toBe(ids.length);
  expect(marks.rendered).toBe(ids.length);
  expect(marks.charts.map((chart) => chart.id)).toEqual(ids);
  for (const chart of marks.charts) {
    expect(chart.width, chart.id).toBeGreaterThan(300);
    expect(chart.height, chart.id).toBeGreaterThan(200);
    // Axes, grid, labels and lines: thousands of pixels on a drawn chart, none on a blank canvas.
    expect(chart.painted, chart.id).toBeGreaterThan(2000);
  }
}

describe('report pages in headless Chromium', () => {
  it("draws every chart of a run's page without a script error, and keeps a screenshot", async () => {
    const page = writePage('sim-report.html', renderRunPage(sampleReport(), { source: 'sample.json' }));
    expectDrawn(marksOf(await chromium(page, ['--dump-dom'])), ['chart-timeline', 'chart-spectrum']);
    const screenshot = join(ARTIFACTS, 'sim-report.png');
    rmSync(screenshot, { force: true });
    await chromium(page, [`--screenshot=${screenshot}`]);
    expect(readFileSync(screenshot).subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(screenshot).size).toBeGreaterThan(50_000);
    console.log(`report page screenshot: ${screenshot}`);
  });

  it("draws a rate sweep's chart, and a format 1 report's spectrum from its summary", async () => {
    const sweep = writePage('sim-sweep.html', renderSweepPage(sampleSweep()));
    expectDrawn(marksOf(await chromium(sweep, ['--dump-dom'])), ['chart-sweep']);
    const old = JSON.parse(readFileSync(FORMAT_1, 'utf8')) as StoredReport;
    const oldPage = writePage('sim-report-format-1.html', renderRunPage(old));
    expectDrawn(marksOf(await chromium(oldPage, ['--dump-dom'])), ['chart-spectrum']);
  });

  it('lists a chart that could not be drawn on the page, and counts it', async () => {
    // A spec whose box is missing: what a broken page would show, so that the marks above mean something.
    const broken = renderPage({
      title: 'broken',
      body: html`<p>no chart box here</p>`,
      charts: [
        {
          id: 'chart-gone',
          kind: 'timeline',
          title: 't',
          data: [
            [0, 1],
            [1, 2],
          ],
          series: [{ label: 'p50', scale: 'ms', color: '#000' }],
        },
      ],
    });
    const marks = marksOf(await chromium(writePage('broken.html', broken), ['--dump-dom']));
    expect(marks.errors).toBe(1);
    expect(marks.rendered).toBe(0);
    expect(marks.errorList).toContain('<li>chart-gone: no element #chart-gone</li>');
  });
});
