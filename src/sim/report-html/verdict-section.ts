import type { StoredReport } from '../compare/report-file.js';
import type { RunMetadata } from '../runner/run-metadata.js';
import { bytes, count, fixed, ms, perSecond } from './figure-format.js';
import { html, type SafeHtml } from './html-text.js';

/** The top of a run's page: what ran, the verdict, every objective against its measure, and where and how it ran. */
export function verdictSection(report: StoredReport): SafeHtml {
  const missed = report.slos.filter((slo) => !slo.pass);
  const verdict = report.pass
    ? 'all objectives met'
    : `${missed.length} of ${report.slos.length} objectives missed: ${missed.map((slo) => slo.name).join(', ')}`;
  return html`
<header>
<h1>${report.scenario} <span class="muted">run ${report.runId}</span></h1>
<p class="muted">${startedAt(report.startedAt)}, ${fixed(report.durationSec, 1)} s${report.merged ? html`, merged from ${report.merged.parts.length} runs` : ''}</p>
<div class="verdict" id="verdict">
<span class="badge ${report.pass ? 'pass' : 'fail'}">${report.pass ? 'PASS' : 'FAIL'}</span>
<span>${verdict}</span>
${report.usage?.loadBottleneck ? html`<span class="warn">but the load generator was the bottleneck: ${report.usage.loadBottleneck}</span>` : ''}
</div>
<nav class="toc">${TOC.map(([id, name]) => html`<a href="#${id}">${name}</a>`)}</nav>
</header>
<section id="objectives">
<h2>Objectives</h2>
<table>
<thead><tr><th>objective</th><th class="num">target</th><th class="num">measured</th><th>verdict</th></tr></thead>
<tbody>${report.slos.map(
    (slo) =>
      html`<tr class="${slo.pass ? 'pass' : 'fail'}"><td>${slo.name}</td><td class="num">${slo.target}</td><td class="num">${slo.measured}</td><td class="${slo.pass ? 'pass-text' : 'fail-text'}">${slo.pass ? 'pass' : 'FAIL'}</td></tr>`,
  )}</tbody>
</table>
</section>
<section id="run">
<h2>The run</h2>
<div class="cards">
${card('users', count(report.plan.users))}
${card('devices', count(report.plan.devices))}
${card('rooms', `${count(report.plan.rooms.direct + report.plan.rooms.group)} (${count(report.plan.rooms.group)} groups)`)}
${card('sends planned', count(report.plan.sends))}
${card('sent', perSecond(report.throughput.sentPerSec))}
${card('delivered', perSecond(report.throughput.deliveredPerSec))}
${report.connect ? card('connected', `${count(report.connect.devices)} in ${fixed(report.connect.seconds, 1)} s`) : ''}
${report.connect ? card('connect p50 / p99', `${ms(report.connect.p50Ms)} / ${ms(report.connect.p99Ms)}`) : ''}
</div>
<p class="note">Rates are over the ramp-up and the steady phase; connect times are from the first hello to synced, retries included.</p>
${report.meta ? metaList(report.meta) : ''}
${report.merged ? mergedList(report.merged) : ''}
${!report.meta && !report.merged ? html`<p class="note">This report keeps no metadata (report format ${report.formatVersion ?? 1}).</p>` : ''}
</section>`;
}

export const TOC: Array<[string, string]> = [
  ['objectives', 'Objectives'],
  ['run', 'The run'],
  ['latency', 'Latency'],
  ['cluster', 'The cluster'],
  ['findings', 'Findings'],
];

function card(label: string, value: string): SafeHtml {
  return html`<div class="card"><div class="label">${label}</div><div class="value">${value}</div></div>`;
}

function startedAt(text: string): string {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function metaList(meta: RunMetadata): SafeHtml {
  const commit = meta.chatNode.commit
    ? `${meta.chatNode.commit.hash}${meta.chatNode.commit.dirty ? ' (with uncommitted changes)' : ''}`
    : 'not a git checkout';
  // In memory (a page written by the run itself) an unset flag is still there, undefined.
  const options = Object.entries(meta.options)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(', ');
  return html`<dl class="meta">
<dt>chat-node</dt><dd>${meta.chatNode.version}, commit ${commit}</dd>
<dt>Node</dt><dd>${meta.node}</dd>
<dt>machine</dt><dd>${meta.machine.os} ${meta.machine.kernel} ${meta.machine.arch}, ${meta.machine.cpus} x ${meta.machine.cpuModel}, ${bytes(meta.machine.memoryBytes)}</dd>
<dt>cluster</dt><dd>${clusterText(meta.cluster)}</dd>
<dt>scenario file</dt><dd><code>${meta.scenario.file}</code>${meta.scenario.sha256 ? html` <span class="muted mono">sha256 ${meta.scenario.sha256.slice(0, 12)}</span>` : ''}</dd>
<dt>options</dt><dd>${options}</dd>
</dl>`;
}

function clusterText(cluster: RunMetadata['cluster']): string {
  switch (cluster.kind) {
    case 'local-dev':
      return 'local chat-node dev (every role in one process)';
    case 'local-cluster':
      return `local chat-node cluster: ${cluster.gateways} gateway(s) of ${cluster.gatewayWorkers} process(es), ${cluster.fanouts} fan-out(s)`;
    case 'floor':
      return 'the floor (the bare pipeline)';
    case 'external':
      return `external: ${cluster.urls.join(', ')}`;
    default:
      return JSON.stringify(cluster);
  }
}

function mergedList(merged: NonNullable<StoredReport['merged']>): SafeHtml {
  return html`<h3>Merged from</h3>
<table><thead><tr><th>report</th><th>run</th><th>started</th><th>commit</th></tr></thead>
<tbody>${merged.parts.map(
    (part) =>
      html`<tr><td><code>${part.file}</code></td><td>${part.runId}</td><td>${startedAt(part.startedAt)}</td><td>${part.meta?.chatNode.commit?.hash ?? '-'}</td></tr>`,
  )}</tbody></table>
${merged.notes.length > 0 ? html`<ul class="findings">${merged.notes.map((note) => html`<li>${note}</li>`)}</ul>` : ''}`;
}
