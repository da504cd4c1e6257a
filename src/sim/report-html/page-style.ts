/** The report pages' stylesheet: one column up to 1100 px (a laptop screen), compact tables, and a print layout. */
export const PAGE_STYLE = `
:root { --ink: #1d2330; --muted: #5d6677; --line: #dde1ea; --panel: #f6f7fa; --pass: #1f7a36; --fail: #b4231d; --warn: #8a5a00; --bar: #2f6db5; --bar-light: #c9d9ee; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 16px 0 6px; }
p { margin: 6px 0; }
.muted, figcaption, .note { color: var(--muted); }
.note { font-size: 13px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
a { color: #1f5fa8; }
nav.toc { margin: 10px 0 0; font-size: 13px; }
nav.toc a { margin-right: 12px; white-space: nowrap; }
.verdict { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; margin: 14px 0 4px; padding: 12px 16px; border-radius: 6px; border: 1px solid var(--line); background: var(--panel); }
.badge { display: inline-block; padding: 2px 10px; border-radius: 4px; font-weight: 700; letter-spacing: 0.04em; color: #fff; }
.badge.pass { background: var(--pass); }
.badge.fail { background: var(--fail); }
.verdict .badge { font-size: 18px; padding: 4px 14px; }
.warn { color: var(--warn); font-weight: 600; }
.pass-text { color: var(--pass); font-weight: 600; }
.fail-text { color: var(--fail); font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; margin: 10px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; background: #fff; }
.card .label { color: var(--muted); font-size: 12px; }
.card .value { font-size: 18px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); background: var(--panel); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.fail td { background: #fdf0ef; }
td.bar-cell { width: 26%; min-width: 120px; vertical-align: middle; }
svg.bar { display: block; width: 100%; height: 14px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 6px 0; font-size: 13px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
figure.chart { margin: 12px 0 18px; }
figure.chart figcaption { font-size: 13px; margin-top: 4px; }
.chart-box { width: 100%; min-height: 340px; }
ul.findings { margin: 4px 0 10px; padding-left: 20px; font-size: 13px; }
ul.findings li { margin: 2px 0; overflow-wrap: anywhere; }
#page-errors { color: var(--fail); border: 1px solid var(--fail); border-radius: 6px; padding: 8px 8px 8px 28px; }
footer { margin-top: 32px; font-size: 12px; color: var(--muted); }
.uplot { font-family: inherit; }
.uplot .u-legend { font-size: 12px; }
@media (max-width: 700px) { main { padding: 12px; } td.bar-cell { display: none; } }
@media print {
  @page { size: A4; margin: 12mm; }
  body { font-size: 11px; }
  main { max-width: none; padding: 0; }
  nav.toc, .u-cursor-x, .u-cursor-y, .u-select { display: none !important; }
  h2, h3, p.note { break-after: avoid; }
  td.bar-cell { width: 16%; min-width: 0; }
  figure.chart, table, .verdict, .cards { break-inside: avoid; }
  .badge, svg.bar, tr.fail td, th, .verdict { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
`;
