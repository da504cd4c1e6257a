import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { StoredReport } from '../../../src/sim/compare/report-file.js';
import { mergeReports } from '../../../src/sim/compare/report-merge.js';
import { LatencyDistribution } from '../../../src/sim/hdr/index.js';
import type { ChartSpec } from '../../../src/sim/report-html/report-charts.js';
import { renderRunPage } from '../../../src/sim/report-html/index.js';
import { HOSTILE, sampleReport } from './sample-report.js';

const FORMAT_1 = fileURLToPath(new URL('../compare/fixtures/format-1-one-to-one.json', import.meta.url));

/** The page without the text of its script and style elements: the markup a report's data went into. */
function markupOf(page: string): string {
  return page
    .replace(/(<script[^>]*>)[\s\S]*?(<\/script>)/g, '$1$2')
    .replace(/(<style[^>]*>)[\s\S]*?(<\/style>)/g, '$1$2');
}

function chartSpecs(page: string): ChartSpec[] {
  const json = /<script type="application\/json" id="chart-specs">([\s\S]*?)<\/script>/.exec(page)?.[1];
  expect(json).toBeDefined();
  return JSON.parse(json!) as ChartSpec[];
}

describe("a run's HTML page", () => {
  const report = sampleReport();
  const page = renderRunPage(report, { source: 'reports/sample.json' });

  it('escapes every name from the report: no markup of its own gets in', () => {
    const markup = markupOf(page);
    // The four scripts of the page (error catcher, chart data, library, charts) and nothing else.
    expect(page.match(/<script\b/g)).toHaveLength(4);
    expect(markup).not.toContain('<img');
    // An attribute of a tag, not text that reads like one.
    expect(markup).not.toMatch(/<[a-z]+\b[^<>]*\son[a-z]+=/i);
    expect(markup).not.toContain(HOSTILE);
    const escaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;&#39;';
    // The scenario, a node, a worker process, the machine's CPU, a room and a finding's detail.
    expect(markup.split(escaped).length - 1).toBeGreaterThanOrEqual(6);
    expect(markup).toContain(`<title>synthetic ${escaped}: FAIL (run r1)</title>`);
  });

  it('is self-contained: no stylesheet, script or image is fetched from anywhere', () => {
    expect(page).not.toMatch(/<link\b/i);
    expect(page).not.toMatch(/<(script|img|iframe|source|video|audio|embed)\b[^>]*\ssrc=/i);
    expect(page).not.toMatch(/@import|url\(\s*['"]?https?:/i);
    expect(markupOf(page)).not.toMatch(/\b(src|href)=["']?https?:/i);
    // The chart library is inlined, its license with it.
    expect(page).toContain('var uPlot=function(){');
    expect(page).toMatch(/uPlot 1\.\d+\.\d+, MIT License\. Copyright \(c\)/);
  });

  it('gives the verdict and every objective against its measure', () => {
    expect(page).toContain('<span class="badge fail">FAIL</span>');
    expect(page).toContain('1 of 4 objectives missed: oracle');
    expect(page).toContain(
      '<tr class="fail"><td>oracle</td><td class="num">no violation</td><td class="num">1 violations</td><td class="fail-text">FAIL</td></tr>',
    );
    expect(page).toContain(
      '<td>deliver p99 vs floor</td><td class="num">&lt;= 3x floor</td><td class="num">2.00x</td>',
    );
    expect(page).toContain('v20.20.2');
    expect(page).toContain('abc1234 (with uncommitted changes)');
  });

  it('carries the timeline second by second, with sends and deliveries per second', () => {
    const timeline = chartSpecs(page).find((chart) => chart.kind === 'timeline')!;
    const rows = report.timeline.seconds;
    expect(timeline.series.map((s) => s.label)).toEqual([
      'deliver p50',
      'deliver p99',
      'deliver max',
      'sent/s',
      'delivered/s',
    ]);
    expect(timeline.data[0]).toEqual(rows.map((row) => row.second));
    expect(timeline.data[2]).toEqual(rows.map((row) => row.deliverP99Ms));
    expect(timeline.data[4]).toEqual(rows.map((row) => row.sent));
    expect(timeline.data[5]).toEqual(rows.map((row) => row.delivered));
    expect(timeline.data[5]!.length).toBe(30);
  });

  it('draws the percentile spectrum from the decoded histograms, each line ending with its samples', () => {
    const spectrum = chartSpecs(page).find((chart) => chart.kind === 'spectrum')!;
    expect(spectrum.series.map((s) => s.label)).toEqual([
      'send -> deliver',
      'send -> ack',
      'connect (hello to synced)',
    ]);
    const [xs, deliver, , connect] = spectrum.data as [
      number[],
      Array<number | null>,
      Array<number | null>,
      Array<number | null>,
    ];
    const decoded = LatencyDistribution.decode(report.histograms.deliver);
    expect(deliver[xs.indexOf(2)]).toBe(decoded.percentileMs(50));
    expect(deliver[xs.indexOf(100)]).toBe(decoded.percentileMs(99));
    expect(deliver[xs.indexOf(10_000)]).toBe(decoded.percentileMs(99.99));
    // 15,300 deliveries reach past p99.99, not p99.999; 2 connects reach p50.
    expect(deliver.at(-1)).toBeNull();
    expect(connect.filter((value) => value !== null)).toHaveLength(xs.filter((x) => x <= 2).length);
  });

  it('shows each hop, CPU per process and role, connections and RSS per node, the floor, and the findings', () => {
    expect(page).toMatch(/<td>commit<\/td><td>commit started &rarr; committed<\/td><td class="num">6<\/td>/);
    expect(page).toMatch(
      /<td>fanout-1<\/td><td>fanout<\/td><td class="num">0\.90<\/td><td class="num">150\.000<\/td><td class="num">0\.09<\/td><td class="num">21%<\/td><td class="num">11\.5 ms<\/td>/,
    );
    expect(page).toMatch(
      /<td>gw-1<\/td><td class="num">3<\/td><td class="bar-cell"><svg class="bar"[^>]*><rect x="0" y="1" height="12" width="100\.00"/,
    );
    expect(page).toContain('<td class="num">96 MiB</td>');
    expect(page).toContain('gw-1-w2 <span class="muted">process</span>');
    expect(page).toContain('Beside the floor');
    expect(page).toContain('<strong>missing</strong> room <code>g1 (&lt;script&gt;');
    expect(page).toContain(
      '<strong>unacked-delivered</strong> room <code>r1</code> seq 2: committed and delivered, never acked',
    );
    expect(page).toContain('no push log: push not checked');
  });

  it('reads a report from before histograms and timelines (format 1), and says what it lacks', () => {
    const old = JSON.parse(readFileSync(FORMAT_1, 'utf8')) as StoredReport;
    const oldPage = renderRunPage(old);
    expect(oldPage).toContain('No latency over time: this report keeps no timeline (report format 1).');
    expect(oldPage).toContain('only its summary percentiles p50, p90, p99 and p99.9 are drawn');
    const spectrum = chartSpecs(oldPage);
    expect(spectrum.map((chart) => chart.kind)).toEqual(['spectrum']);
    expect(spectrum[0]!.data[1]).toEqual([old.deliver.p50, old.deliver.p90, old.deliver.p99, old.deliver.p999]);
    expect(oldPage).toContain('This report keeps no metadata (report format 1).');
  });

  it('names the runs a merged report was made of', () => {
    const part = (runId: string) => ({
      kind: 'run' as const,
      path: `${runId}.json`,
      report: { ...report, runId },
      format: 2,
    });
    const merged = mergeReports([part('run-a'), part('run-b')]);
    const mergedPage = renderRunPage(merged);
    expect(mergedPage).toContain('merged from 2 runs');
    expect(mergedPage).toMatch(/<td><code>run-a\.json<\/code><\/td><td>run-a<\/td>/);
    expect(mergedPage).toContain('its parts&#39; seconds line up to within 1 s');
  });
});
