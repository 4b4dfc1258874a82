/** The page's stylesheet: readable on screen and on paper, no web fonts (nothing is fetched). */
export const REPORT_CSS = `
:root { color-scheme: light; --fg: #1d2733; --muted: #5b6b7b; --line: #d9e0e7; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0; background: #f5f7fa; }
header, main { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 10px; }
h3 { font-size: 15px; margin: 16px 0 8px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
.status { font-size: 20px; font-weight: 600; padding: 10px 14px; border-radius: 6px; margin: 0 0 12px; }
.status-succeeded { background: #e8f5e9; color: #1b5e20; }
.status-partial { background: #fff8e1; color: #8d5a00; }
.status-failed, .status-interrupted { background: #ffebee; color: #b71c1c; }
.run-error { color: #b71c1c; }
.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 4px 16px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef2f6; position: sticky; top: 0; }
td { overflow-wrap: anywhere; }
table.failures td:last-child { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; white-space: pre-wrap; }
.note, .caption { color: var(--muted); margin: 0 0 8px; }
.chart { position: relative; width: 100%; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } .facts { grid-template-columns: max-content 1fr; } }
details { margin-top: 10px; }
footer { color: var(--muted); max-width: 1280px; margin: 0 auto; padding: 0 24px 24px; font-size: 12px; }
@media print { body { background: #fff; } section { break-inside: avoid; border: none; } }
`;
