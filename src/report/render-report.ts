import { createHash } from 'node:crypto';
import type { Manifest } from '../manifest.js';
import { byAccount, byOu, type GroupRow, slowestAccounts } from './account-breakdown.js';
import { CHART_SOURCES, type ChartsData, type CostSeries } from './draw-charts.js';
import { escapeHtml as h, formatTime, jsonForScript } from './html-text.js';
import {
  costTable,
  failuresSection,
  historyTable,
  skippedSection,
  slowestSection,
  statusSection,
  statusText,
  warningsSection,
} from './report-sections.js';
import { REPORT_CSS } from './report-style.js';
import type { RunPoint } from './run-history.js';
import { timelineData } from './unit-timeline.js';

export interface ReportInput {
  manifest: Manifest;
  manifestPath: string;
  /** The runs for the trend, oldest first, this one included; where they were looked for. */
  history: { runs: RunPoint[]; source: string };
  /** Chart.js's UMD build, inlined. */
  library: string;
  generatedAt?: Date;
}

/** The cost charts show this many groups, the most expensive; the tables below them show all. */
const CHART_GROUPS = 25;

/** A chart's axis leaves the bars little room beside a long label; the tables keep the whole name. */
function shorten(label: string, max: number, keep: 'start' | 'end' = 'start'): string {
  if (label.length <= max) return label;
  return keep === 'start' ? `${label.slice(0, max - 1)}…` : `…${label.slice(label.length - max + 1)}`;
}

function costSeries(rows: GroupRow[], label: (r: GroupRow) => string): CostSeries {
  const top = rows.slice(0, CHART_GROUPS);
  return {
    labels: top.map(label),
    cost: top.map((r) => r.estimatedCostUSD),
    bytes: top.map((r) => r.dataScannedInBytes),
  };
}

function chartBox(id: string, heightPx: number, label: string): string {
  return `<div class="chart" style="height:${heightPx}px"><canvas id="${id}" role="img" aria-label="${h(label)}"></canvas></div>`;
}

function costSection(accounts: GroupRow[], ous: GroupRow[]): string {
  if (accounts.length === 0) return '';
  const height = (n: number) => 90 + Math.min(n, CHART_GROUPS) * 26;
  const more = (n: number, what: string) =>
    n > CHART_GROUPS ? ` (the ${CHART_GROUPS} most expensive of ${n} ${what})` : '';
  return `<section id="cost"><h2>Cost and data scanned</h2>
<p class="note">Estimated from the bytes Athena scanned at the run's price per TB; reused results cost nothing.</p>
<div class="grid2"><div><h3>By account${h(more(accounts.length, 'accounts'))}</h3>${chartBox('chart-accounts', height(accounts.length), 'Estimated cost and data scanned by account')}</div>
<div><h3>By OU${h(more(ous.length, 'OUs'))}</h3>${chartBox('chart-ous', height(ous.length), 'Estimated cost and data scanned by OU')}</div></div>
<details><summary>All ${accounts.length} accounts</summary>${costTable(accounts, 'Account')}</details>
<details><summary>All ${ous.length} OUs</summary>${costTable(ous, 'OU')}</details></section>`;
}

function timelineSection(data: ChartsData['timeline']): string {
  if (data.rows.length === 0)
    return '<section id="timeline"><h2>Timeline</h2><p class="caption">No unit ran.</p></section>';
  const omitted = data.omitted > 0 ? `; ${data.omitted} not shown (the failed and the longest are)` : '';
  const caption = `${data.units} unit${data.units === 1 ? '' : 's'} in ${data.accounts} account${data.accounts === 1 ? '' : 's'}${omitted}`;
  return `<section id="timeline"><h2>Timeline</h2>
<p class="caption" id="timeline-caption">${h(caption)}: when each query waited for its role chain and a slot, was queued and ran in Athena, and was read.</p>
${chartBox('chart-timeline', 110 + data.rows.length * 18, 'Timeline of units by account')}</section>`;
}

function trendSection(runs: RunPoint[], source: string): string {
  if (runs.length < 2) {
    return `<section id="trend"><h2>Trend</h2><p class="note">No earlier run's manifest was found in ${h(source)}. Keep each run's manifest (for example copy it to a history folder named by its run id) and pass <code>--history</code> to see the trend.</p></section>`;
  }
  return `<section id="trend"><h2>Trend over the last ${runs.length} runs</h2>
<p class="note">From the manifests in ${h(source)}.</p>
${chartBox('chart-trend', 320, 'Units, duration and cost of the last runs')}
<details><summary>The runs</summary>${historyTable(runs)}</details></section>`;
}

function trendSeries(runs: RunPoint[]): ChartsData['trend'] {
  if (runs.length < 2) return undefined;
  return {
    labels: runs.map((r) => formatTime(r.startedAt).replace(' UTC', '')),
    runIds: runs.map((r) => r.runId),
    succeeded: runs.map((r) => r.succeeded),
    failed: runs.map((r) => r.failed),
    durationS: runs.map((r) => Math.round(r.durationMs / 100) / 10),
    cost: runs.map((r) => r.estimatedCostUSD),
  };
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * The report as one HTML page: tables rendered here (escaped), charts drawn in the browser from the
 * embedded JSON by the inlined Chart.js. Its Content-Security-Policy lets only its own two scripts run
 * and allows no request at all, so a page opened from a mail or a bucket stays offline.
 */
export function renderReport(input: ReportInput): string {
  const m = input.manifest;
  const accounts = byAccount(m);
  const ous = byOu(m);
  const charts: ChartsData = {
    timeline: timelineData(m),
    accounts: costSeries(accounts, (r) => (r.label ? `${shorten(r.label, 28)} (${r.key})` : r.key)),
    // An OU path's end names the OU; its start is the same Root for all.
    ous: costSeries(ous, (r) => shorten(r.key, 40, 'end')),
    ...(trendSeries(input.history.runs) ? { trend: trendSeries(input.history.runs)! } : {}),
  };
  const boot =
    `(function(){${CHART_SOURCES}\nvar data=JSON.parse(document.getElementById('report-data').textContent);` +
    `drawCharts(data,window.Chart,function(id){return document.getElementById(id)!==null;});})();`;
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(input.library)} ${sha256(boot)}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = `athena-fanout ${m.runId}: ${m.status}`;
  const generated = (input.generatedAt ?? new Date()).toISOString();
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${h(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
<style>${REPORT_CSS}</style></head>
<body><header><h1>athena-fanout run ${h(m.runId)}</h1><p class="note">${h(statusText(m.status))} · ${h(formatTime(m.startedAt))}</p></header>
<main>
${statusSection(m)}
${failuresSection(m)}
${timelineSection(charts.timeline)}
${costSection(accounts, ous)}
${slowestSection(slowestAccounts(accounts))}
${trendSection(input.history.runs, input.history.source)}
${skippedSection(m)}
${warningsSection(m)}
</main>
<footer>Generated ${h(formatTime(generated))} from ${h(input.manifestPath)} by <code>athena-fanout report</code>. Charts: Chart.js (MIT), inlined.</footer>
<script type="application/json" id="report-data">${jsonForScript(charts)}</script>
<script>${input.library}</script>
<script>${boot}</script>
</body></html>
`;
}
