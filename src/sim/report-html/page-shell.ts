import { chartLibrary } from './chart-library.js';
import { html, inlineScript, inlineStyle, jsonForScript, type SafeHtml } from './html-text.js';
import { CHART_SCRIPT, ERROR_CATCHER } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';
import type { ChartSpec } from './report-charts.js';

export interface PageParts {
  title: string;
  /** The page's sections, in order. */
  body: SafeHtml;
  charts: ChartSpec[];
  /** What the page was made from, for the footer (a report's file name). */
  source?: string;
}

/**
 * One self-contained document: the stylesheet, the chart library and the page's script inline,
 * the charts' data as JSON; it loads nothing from anywhere, so it opens from a file, offline,
 * years later.
 */
export function renderPage(parts: PageParts): string {
  const library = chartLibrary();
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="chat-node sim">
<title>${parts.title}</title>
<style>${inlineStyle(library.css)}${inlineStyle(PAGE_STYLE)}</style>
<script>${inlineScript(ERROR_CATCHER)}</script>
</head>
<body>
<main>
<ol id="page-errors" hidden aria-label="errors in this page's scripts"></ol>
<noscript><p class="note">The charts need JavaScript; every figure is in the tables too.</p></noscript>
${parts.body}
<footer>Made by <code>chat-node sim</code>${parts.source ? html` from <code>${parts.source}</code>` : ''}. Charts: ${library.notice}</footer>
</main>
<script type="application/json" id="chart-specs">${jsonForScript(parts.charts)}</script>
<script>${inlineScript(`/* ${library.notice.replace(/\*\//g, '* /')} */\n${library.script}`)}</script>
<script>${inlineScript(CHART_SCRIPT)}</script>
</body>
</html>
`;
  return page.text;
}
