import type { StoredReport } from '../compare/report-file.js';
import type { UsageRow } from '../runner/cluster-usage.js';
import { bar, BAR_COLORS } from './figure-bars.js';
import { bytes, count, fixed, ms, share } from './figure-format.js';
import { html, type SafeHtml } from './html-text.js';

/** The cluster's side of the run: each hop's latency, CPU per process and per message, connections and memory per gateway node. */
export function clusterSection(report: StoredReport): SafeHtml {
  return html`
<section id="cluster">
<h2>The cluster</h2>
${hopsTable(report)}
${cpuTable(report)}
${nodesTable(report)}
</section>`;
}

function hopsTable(report: StoredReport): SafeHtml {
  const hops = report.usage?.hops ?? [];
  if (hops.length === 0)
    return html`<h3 id="hops">Hops</h3><p class="note">No hop figures: the run scraped no role's /metrics.</p>`;
  const max = Math.max(...hops.map((hop) => hop.p99Ms));
  return html`<h3 id="hops">A message's hops</h3>
<p class="note">From the roles' hop histograms over the run (Prometheus buckets: figures within a bucket's width). Bars: p50 dark, p99 light, to one scale.</p>
<table>
<thead><tr><th>hop</th><th>from &rarr; to</th><th class="num">count</th><th class="num">p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">mean</th><th></th></tr></thead>
<tbody>${hops.map(
    (hop) =>
      html`<tr><td>${hop.hop}</td><td>${hop.from} &rarr; ${hop.to}</td><td class="num">${count(hop.count)}</td><td class="num">${ms(hop.p50Ms)}</td><td class="num">${ms(hop.p90Ms)}</td><td class="num">${ms(hop.p99Ms)}</td><td class="num">${ms(hop.meanMs)}</td><td class="bar-cell">${bar(
        [
          { value: hop.p99Ms, color: BAR_COLORS.light },
          { value: hop.p50Ms, color: BAR_COLORS.dark },
        ],
        max,
      )}</td></tr>`,
  )}</tbody>
</table>`;
}

const KIND_ORDER: Record<UsageRow['kind'], number> = { node: 0, thread: 1, service: 2, load: 3 };

function cpuTable(report: StoredReport): SafeHtml {
  const usage = report.usage;
  if (!usage || usage.rows.length === 0)
    return html`<h3 id="cpu">CPU</h3><p class="note">No CPU figures: the run scraped no process's /metrics.</p>`;
  const rows = [...usage.rows].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || b.cpuSec - a.cpuSec);
  const max = Math.max(...rows.map((row) => row.cpuPer1000));
  const t = usage.perThousand;
  return html`<h3 id="cpu">CPU per process and role</h3>
<p class="note">Over ${fixed(usage.windowSec, 1)} s (ramp-up to the end of the drain), ${count(usage.messages)} messages. A thread's CPU is part of its process's. Bars: CPU seconds per 1,000 messages.</p>
<table>
<thead><tr><th>process</th><th>role</th><th class="num">CPU s</th><th class="num">s / 1k msgs</th><th class="num">cores</th><th class="num">loop busy</th><th class="num">delay p99</th><th></th></tr></thead>
<tbody>${rows.map(
    (row) =>
      html`<tr><td>${row.kind === 'thread' ? html`&nbsp;&nbsp;${row.name} <span class="muted">thread</span>` : row.name}</td><td>${row.role}</td><td class="num">${fixed(row.cpuSec, 2)}</td><td class="num">${fixed(row.cpuPer1000, 3)}</td><td class="num">${fixed(row.cores, 2)}</td><td class="num">${share(row.loopBusy)}</td><td class="num">${row.loopDelayP99Ms === undefined ? '-' : ms(row.loopDelayP99Ms)}</td><td class="bar-cell">${bar(
        [
          {
            value: row.cpuPer1000,
            color: row.kind === 'load' ? BAR_COLORS.alt : row.kind === 'thread' ? BAR_COLORS.light : BAR_COLORS.dark,
          },
        ],
        max,
      )}</td></tr>`,
  )}</tbody>
</table>
<p>Per 1,000 messages: cluster processes ${fixed(t.nodes, 3)} s + services ${fixed(t.services, 3)} s = <strong>${fixed(t.server, 3)} CPU s</strong>; the load generator ${fixed(t.load, 3)} s (${share(usage.loadShare)} of all CPU).</p>`;
}

function nodesTable(report: StoredReport): SafeHtml {
  const nodes = report.nodes;
  if (nodes.length === 0)
    return html`<h3 id="nodes">Gateway nodes</h3><p class="note">No gateway figures: the run scraped no gateway's /metrics.</p>`;
  const maxConnections = Math.max(...nodes.map((node) => node.connections));
  const maxRss = Math.max(...nodes.map((node) => node.rssBytes));
  const row = (name: SafeHtml | string, connections: number, rss: number, perConnection: string) =>
    html`<tr><td>${name}</td><td class="num">${count(connections)}</td><td class="bar-cell">${bar([{ value: connections, color: BAR_COLORS.dark }], maxConnections)}</td><td class="num">${bytes(rss)}</td><td class="bar-cell">${bar([{ value: rss, color: BAR_COLORS.alt }], maxRss)}</td><td class="num">${perConnection}</td></tr>`;
  return html`<h3 id="nodes">Connections and memory per gateway node</h3>
<p class="note">At the steady phase's scrape. RSS per connection: the node's growth over the connections added since the run began (- when too few were added to show above the garbage collector's swings).</p>
<table>
<thead><tr><th>node</th><th class="num">connections</th><th></th><th class="num">RSS</th><th></th><th class="num">RSS / conn</th></tr></thead>
<tbody>${nodes.map((node) => [
    row(
      node.node,
      node.connections,
      node.rssBytes,
      node.rssBytesPerConnection === null ? '-' : bytes(node.rssBytesPerConnection),
    ),
    // A node of several worker processes: each worker's share, as the text report shows it.
    node.processes.length > 1
      ? node.processes.map((p) =>
          row(html`&nbsp;&nbsp;${p.process} <span class="muted">process</span>`, p.connections, p.rssBytes, ''),
        )
      : [],
  ])}</tbody>
</table>`;
}
