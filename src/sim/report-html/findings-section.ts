import { traceSteps } from '../../core/observability/trace-report.js';
import type { StoredReport } from '../compare/report-file.js';
import type { TracedDelivery } from '../runner/slowest-deliveries.js';
import { count, fixed, ms } from './figure-format.js';
import { html, type SafeHtml } from './html-text.js';

/** A finding of any check: what it is, where, and what was seen. */
interface Finding {
  kind: string;
  room?: string;
  roomKey?: string;
  seq?: number;
  user?: string;
  device?: string;
  detail: string;
}

/** The reports list up to 200 findings of each check; the page shows this many of each. */
const LISTED = 50;

/** What the checks found: the oracle's verdict on every delivery, then push, presence and typing, and the slowest deliveries traced. */
export function findingsSection(report: StoredReport): SafeHtml {
  const oracle = report.oracle;
  return html`
<section id="findings">
<h2>Findings</h2>
<h3>The oracle</h3>
<p>${count(oracle.acked)} of ${count(oracle.planned)} sends acked; ${count(oracle.observedDeliveries)} of ${count(oracle.expectedDeliveries)} expected deliveries seen (completeness ${fixed(oracle.completeness, 6)}); <span class="${oracle.totalViolations === 0 ? 'pass-text' : 'fail-text'}">${count(oracle.totalViolations)} violations</span>${oracle.unsettled ? `, ${count(oracle.unsettled)} unsettled` : ''}${oracle.skipped ? `, ${count(oracle.skipped)} skipped by truncated syncs` : ''}.</p>
${counts(oracle.violationCounts)}
${findings('violations', oracle.violations, oracle.totalViolations)}
${findings('warnings', oracle.warnings, sum(oracle.warningCounts))}
${pushPart(report)}
${presencePart(report)}
${typingPart(report)}
${slowestPart(report.slowest ?? [])}
</section>`;
}

function sum(counted: Record<string, number> | undefined): number {
  return Object.values(counted ?? {}).reduce((total, n) => total + n, 0);
}

/** The kinds found, with their counts; nothing when none was. */
function counts(counted: Record<string, number> | undefined): SafeHtml | '' {
  const found = Object.entries(counted ?? {}).filter(([, n]) => n > 0);
  if (found.length === 0) return '';
  return html`<p>${found.map(([kind, n], i) => html`${i > 0 ? ', ' : ''}<strong>${kind}</strong> ${count(n)}`)}</p>`;
}

function findings(what: string, listed: readonly Finding[] | undefined, total: number): SafeHtml | '' {
  if (!listed || listed.length === 0) return '';
  const shown = listed.slice(0, LISTED);
  const more = total - shown.length;
  return html`<p class="note">${what}${more > 0 ? `: the first ${shown.length} of ${count(total)} (the JSON report lists up to 200)` : ''}:</p>
<ul class="findings">${shown.map((finding) => html`<li>${findingText(finding)}</li>`)}</ul>`;
}

function findingText(finding: Finding): SafeHtml {
  const room = finding.roomKey ? `${finding.roomKey} (${finding.room ?? ''})` : finding.room;
  return html`<strong>${finding.kind}</strong>${room ? html` room <code>${room}</code>` : ''}${finding.seq !== undefined ? ` seq ${finding.seq}` : ''}${finding.user ? html` user <code>${finding.user}</code>` : ''}${finding.device ? html` device <code>${finding.device}</code>` : ''}: ${finding.detail}`;
}

function pushPart(report: StoredReport): SafeHtml | '' {
  const push = report.push;
  if (!push) return '';
  if (!push.checked) return html`<h3>Push</h3><p class="muted">${push.reason}</p>`;
  const latency = push.latency;
  return html`<h3>Push</h3>
<p>${count(push.devices.registered)} of ${count(push.devices.planned)} devices registered, ${count(push.notifications)} notifications; ${count(push.notifiedPairs)} of ${count(push.expectedPairs)} offline (device, room) pairs notified (delivery ${fixed(push.delivery, 4)}, policy ${push.policy})${
    latency
      ? `; ack to push p50 ${ms(latency.p50)}, p90 ${ms(latency.p90)}, p99 ${ms(latency.p99)}, max ${ms(latency.max)}`
      : ''
  }; <span class="${push.totalViolations === 0 ? 'pass-text' : 'fail-text'}">${count(push.totalViolations)} violations</span>. Log: <code>${push.log}</code></p>
${counts(push.violationCounts)}
${findings('violations', push.violations, push.totalViolations)}`;
}

function presencePart(report: StoredReport): SafeHtml | '' {
  const presence = report.presence;
  if (!presence) return '';
  const converged =
    presence.convergenceMs === null
      ? 'not converged'
      : `converged ${count(presence.convergenceMs)} ms after the last device came back`;
  return html`<h3>Presence</h3>
<p>${count(presence.convergedPairs)} of ${count(presence.pairs)} views of online co-members show online on ${count(presence.devices)} devices, ${converged}${
    presence.enforced
      ? html`; <span class="${presence.totalViolations === 0 ? 'pass-text' : 'fail-text'}">${count(presence.totalViolations)} violations</span>`
      : ' (not enforced)'
  }.</p>
${counts(presence.violationCounts)}
${findings('violations', presence.violations, presence.totalViolations)}`;
}

function typingPart(report: StoredReport): SafeHtml | '' {
  const typing = report.typing;
  if (!typing) return '';
  return html`<h3>Typing</h3>
<p>${count(typing.planned)} typing events planned; ${count(typing.shown)} indicators shown at the end (${count(typing.recent)} too recent to judge); <span class="${typing.totalViolations === 0 ? 'pass-text' : 'fail-text'}">${count(typing.totalViolations)} violations</span>.</p>
${findings('violations', typing.violations, typing.totalViolations)}`;
}

function slowestPart(slowest: readonly TracedDelivery[]): SafeHtml | '' {
  if (slowest.length === 0) return '';
  return html`<h3>The slowest deliveries, traced</h3>
<p class="note">Each step in ms from the gateway receiving the send (<code>chat-node trace &lt;msgId&gt;</code> prints one); a step 10 ms or more after the one before is marked.</p>
<table>
<thead><tr><th class="num">latency</th><th>message</th><th>steps</th></tr></thead>
<tbody>${slowest.map((delivery) => {
    const steps = traceSteps(delivery.trace);
    const first = steps[0]?.at ?? 0;
    let previous = first;
    const parts = steps.map((step, i) => {
      const slow = step.at - previous >= 10;
      previous = step.at;
      const text = `${step.what.split(' (')[0]!.replace(/ from .*$/, '')} +${(step.at - first).toFixed(1)}`;
      return html`${i > 0 ? ', ' : ''}${slow ? html`<strong class="fail-text">${text}</strong>` : text}`;
    });
    return html`<tr><td class="num">${ms(delivery.latencyMs)}</td><td><code>${delivery.msgId}</code> <span class="muted">${delivery.room} seq ${delivery.seq}</span></td><td>${steps.length === 0 ? html`<span class="muted">no node remembers it any more</span>` : parts}</td></tr>`;
  })}</tbody>
</table>`;
}
