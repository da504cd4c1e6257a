import type { StoredReport } from '../compare/report-file.js';
import { clusterSection } from './cluster-section.js';
import { findingsSection } from './findings-section.js';
import { html } from './html-text.js';
import { latencySection } from './latency-section.js';
import { renderPage } from './page-shell.js';
import { verdictSection } from './verdict-section.js';

export interface RunPageOptions {
  /** The JSON report the page was made from, named in its footer. */
  source?: string;
}

/** A run's report (any format so far, a merged one too) as one self-contained HTML page. */
export function renderRunPage(report: StoredReport, options: RunPageOptions = {}): string {
  const latency = latencySection(report);
  return renderPage({
    title: `${report.scenario}: ${report.pass ? 'pass' : 'FAIL'} (run ${report.runId})`,
    body: html`${verdictSection(report)}${latency.body}${clusterSection(report)}${findingsSection(report)}`,
    charts: latency.charts,
    ...(options.source ? { source: options.source } : {}),
  });
}
