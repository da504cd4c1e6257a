import { describe, expect, it } from 'vitest';
import type { ChartSpec } from '../../../src/sim/report-html/report-charts.js';
import { renderSweepPage } from '../../../src/sim/report-html/index.js';
import { sampleSweep } from './sample-report.js';

describe("a rate sweep's HTML page", () => {
  const summary = sampleSweep();
  const page = renderSweepPage(summary, {
    stepPages: new Map([
      [500, 'sweep-500.html'],
      [4000, 'a%20b.html'],
    ]),
    source: 'reports/sweep.json',
  });

  it("names the highest rate that met every objective, and the floor's", () => {
    expect(page).toContain('<span class="badge pass">2,000 msgs/s</span>');
    expect(page).toContain("the floor's: 4,000 msgs/s");
  });

  it('has a row per step, the failed one marked, each linking its page where there is one', () => {
    const rows = page.match(/<tr class="(pass|fail)">.*?<\/tr>/g)!;
    expect(rows).toHaveLength(4);
    expect(rows[0]).toContain('<td class="num">500</td>');
    expect(rows[0]).toContain('<a href="sweep-500.html">its page</a>');
    expect(rows[3]).toMatch(
      /^<tr class="fail">.*<td class="num">35\.0 ms<\/td><td class="num">900 ms<\/td>.*<td class="fail-text">FAIL<\/td><td><a href="a%20b.html">its page<\/a><\/td><\/tr>$/,
    );
    // No page: the report's name, escaped.
    expect(rows[2]).toContain('<code>reports/&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(rows[2]).toContain('<td class="num">13.7 ms</td>');
  });

  it('charts latency and deliveries by rate, the floor dashed', () => {
    const json = /<script type="application\/json" id="chart-specs">([\s\S]*?)<\/script>/.exec(page)![1]!;
    const [chart] = JSON.parse(json) as ChartSpec[];
    expect(chart!.kind).toBe('sweep');
    expect(chart!.data[0]).toEqual([500, 1000, 2000, 4000]);
    expect(chart!.data[2]).toEqual([9.5, 12.8, 41, 900]);
    expect(chart!.series.map((s) => [s.label, s.scale, s.dash ?? false])).toEqual([
      ['deliver p50', 'ms', false],
      ['deliver p99', 'ms', false],
      ['floor p50', 'ms', true],
      ['floor p99', 'ms', true],
      ['delivered/s', 'rate', false],
    ]);
  });
});
