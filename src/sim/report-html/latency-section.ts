import type { StoredReport } from '../compare/report-file.js';
import { LatencyDistribution, type LatencyPercentiles } from '../hdr/index.js';
import { count, ms, times } from './figure-format.js';
import { html, type SafeHtml } from './html-text.js';
import { spectrumChart, timelineChart, type ChartSpec } from './report-charts.js';

/** Latency: the percentiles table, latency over time with throughput, the percentile spectrum, and the floor beside it. */
export function latencySection(report: StoredReport): { body: SafeHtml; charts: ChartSpec[] } {
  const charts: ChartSpec[] = [];
  const timeline = timelineChart(report);
  const spectrum = spectrumChart(report);
  if (timeline) charts.push(timeline);
  if (spectrum) charts.push(spectrum.chart);
  const connect = connectPercentiles(report);
  const rows: Array<[string, Partial<LatencyPercentiles> & { count?: number }]> = [
    ['send -> deliver', report.deliver],
    ['send -> ack', report.ack],
  ];
  if (connect) rows.push(['connect (hello to synced)', connect]);
  const mergedOffset = report.timeline && report.timeline.startOffsetSec === null;
  const body = html`
<section id="latency">
<h2>Latency</h2>
<table>
<thead><tr><th></th><th class="num">count</th><th class="num">p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">p99.9</th><th class="num">max</th></tr></thead>
<tbody>${rows.map(
    ([name, p]) =>
      html`<tr><td>${name}</td><td class="num">${count(p.count)}</td><td class="num">${ms(p.p50)}</td><td class="num">${ms(p.p90)}</td><td class="num">${ms(p.p99)}</td><td class="num">${ms(p.p999)}</td><td class="num">${ms(p.max)}</td></tr>`,
  )}</tbody>
</table>
${report.reconnect ? html`<p>Reconnects: ${count(report.reconnect.back)} of ${count(report.reconnect.returns)} returns live again (welcomed and synced); from return to live p50 ${ms(report.reconnect.p50Ms)}, p99 ${ms(report.reconnect.p99Ms)}, max ${ms(report.reconnect.maxMs)}.</p>` : ''}
${
  timeline
    ? html`<figure class="chart"><div class="chart-box" id="${timeline.id}"></div>
<figcaption>${timeline.title}: latency of the copies delivered in each second (log scale, left), messages sent and copies delivered per second (right).${mergedOffset ? " A merged report: its parts' seconds line up to within 1 s." : ''} Drag across the chart to zoom in, double-click to zoom out.</figcaption></figure>`
    : html`<p class="note">No latency over time: this report keeps no timeline (report format ${report.formatVersion ?? 1}).</p>`
}
${
  spectrum
    ? html`<figure class="chart"><div class="chart-box" id="${spectrum.chart.id}"></div>
<figcaption>${spectrum.chart.title} (log scales): ${
        spectrum.fromHistograms
          ? "read from the report's HDR histograms, from the fastest (min) to p99.999; a line ends where its samples run out."
          : 'this report keeps no histograms (format 1), so only its summary percentiles p50, p90, p99 and p99.9 are drawn.'
      }</figcaption></figure>`
    : ''
}
${floorTable(report)}
</section>`;
  return { body, charts };
}

/** Connect times: every percentile from the histogram when the report has one, else the connect phase's p50 and p99. */
function connectPercentiles(report: StoredReport): Partial<LatencyPercentiles> | null {
  if (report.histograms?.connect) {
    const distribution = LatencyDistribution.decode(report.histograms.connect);
    if (distribution.count > 0) return distribution.percentiles();
  }
  return report.connect
    ? { count: report.connect.devices, p50: report.connect.p50Ms, p99: report.connect.p99Ms }
    : null;
}

function floorTable(report: StoredReport): SafeHtml | '' {
  const floor = report.floor;
  if (!floor) return '';
  const row = (what: string, ours: string, theirs: string, ratio: number | null) =>
    html`<tr><td>${what}</td><td class="num">${ours}</td><td class="num">${theirs}</td><td class="num">${times(ratio)}</td></tr>`;
  return html`<h3 id="floor">Beside the floor</h3>
<p class="note">The floor is the bare pipeline (WebSocket, NATS, one batched insert, NATS, WebSocket) under the same load on the same machine, run by the same command${floor.report ? html` (its report: <code>${floor.report}</code>)` : ''}; the floor ${floor.pass ? 'met' : 'missed'} its own objectives.</p>
<table>
<thead><tr><th></th><th class="num">chat-node</th><th class="num">floor</th><th class="num">ratio</th></tr></thead>
<tbody>
${row('deliver p50', ms(report.deliver.p50), ms(floor.deliver.p50), floor.ratios.deliverP50)}
${row('deliver p99', ms(report.deliver.p99), ms(floor.deliver.p99), floor.ratios.deliverP99)}
${row('ack p99', ms(report.ack.p99), ms(floor.ack.p99), floor.ratios.ackP99)}
${row('server CPU s / 1k msgs', report.usage ? report.usage.perThousand.server.toFixed(3) : '-', floor.serverCpuPer1000.toFixed(3), floor.ratios.cpuPerMessage)}
</tbody>
</table>`;
}
