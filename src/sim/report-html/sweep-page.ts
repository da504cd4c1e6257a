import type { SweepStep, SweepSummary } from '../runner/rate-sweep.js';
import { count, fixed, ms, perSecond } from './figure-format.js';
import { html, type SafeHtml } from './html-text.js';
import { renderPage } from './page-shell.js';
import { sweepChart } from './report-charts.js';

export interface SweepPageOptions {
  /** Each step's own page, by rate, as a link relative to the sweep's page (see relativeHref). */
  stepPages?: ReadonlyMap<number, string>;
  source?: string;
}

/** A rate sweep's summary as one page: latency and deliveries by rate, then a row per step, linking each step's page. */
export function renderSweepPage(summary: SweepSummary, options: SweepPageOptions = {}): string {
  const chart = sweepChart(summary);
  const steps = [...summary.steps].sort((a, b) => a.rate - b.rate);
  const withFloor = steps.some((step) => step.floor);
  const highest = summary.highestPassingRate;
  const body = html`
<header>
<h1>${summary.scenario} <span class="muted">rate sweep, ${steps.length} steps</span></h1>
<div class="verdict" id="verdict">
<span class="badge ${highest === null ? 'fail' : 'pass'}">${highest === null ? 'NONE' : `${count(highest)} msgs/s`}</span>
<span>${highest === null ? 'no rate met every objective' : 'the highest rate meeting every objective (and every lower rate did too)'}</span>
${summary.floorHighestPassingRate !== undefined ? html`<span class="muted">the floor's: ${summary.floorHighestPassingRate === null ? 'none' : `${count(summary.floorHighestPassingRate)} msgs/s`}</span>` : ''}
</div>
</header>
<section id="steps">
<h2>By rate</h2>
${chart ? html`<figure class="chart"><div class="chart-box" id="${chart.id}"></div><figcaption>${chart.title}: deliver p50 and p99 (log scale, left${withFloor ? '; the floor dashed' : ''}), copies delivered per second (right).</figcaption></figure>` : ''}
<table>
<thead><tr><th class="num">rate</th><th class="num">sent</th><th class="num">delivered</th><th class="num">p50</th><th class="num">p99</th><th class="num">completeness</th><th class="num">violations</th>${
    withFloor ? html`<th class="num">floor p50</th><th class="num">floor p99</th>` : ''
  }<th>verdict</th><th>step</th></tr></thead>
<tbody>${steps.map((step) => stepRow(step, withFloor, options.stepPages?.get(step.rate)))}</tbody>
</table>
</section>`;
  return renderPage({
    title: `${summary.scenario}: rate sweep`,
    body,
    charts: chart ? [chart] : [],
    ...(options.source ? { source: options.source } : {}),
  });
}

function stepRow(step: SweepStep, withFloor: boolean, page: string | undefined): SafeHtml {
  return html`<tr class="${step.pass ? 'pass' : 'fail'}"><td class="num">${count(step.rate)}</td><td class="num">${perSecond(step.sentPerSec)}</td><td class="num">${perSecond(step.deliveredPerSec)}</td><td class="num">${ms(step.deliverP50Ms)}</td><td class="num">${ms(step.deliverP99Ms)}</td><td class="num">${fixed(step.completeness, 4)}</td><td class="num">${count(step.violations)}</td>${
    withFloor
      ? html`<td class="num">${ms(step.floor?.deliverP50Ms)}</td><td class="num">${ms(step.floor?.deliverP99Ms)}</td>`
      : ''
  }<td class="${step.pass ? 'pass-text' : 'fail-text'}">${step.pass ? 'pass' : 'FAIL'}</td><td>${
    page
      ? html`<a href="${page}">its page</a>`
      : step.report
        ? html`<code>${step.report}</code>`
        : html`<span class="muted">no report written</span>`
  }</td></tr>`;
}
