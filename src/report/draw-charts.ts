import type { TimelineData } from './unit-timeline.js';

/** Labels with two measures: the cost and scanned-bytes charts. */
export interface CostSeries {
  labels: string[];
  cost: number[];
  bytes: number[];
}

export interface TrendSeries {
  labels: string[];
  runIds: string[];
  succeeded: number[];
  failed: number[];
  durationS: number[];
  cost: number[];
}

/** Everything the page's charts draw, embedded in the page as JSON. */
export interface ChartsData {
  timeline: TimelineData;
  accounts: CostSeries;
  ous: CostSeries;
  trend?: TrendSeries;
}

/** Chart.js's constructor as the page has it (`window.Chart` from the inlined UMD build). */
export type ChartConstructor = new (canvasId: string, config: object) => unknown;

/** The page's number formats and the options every chart shares. */
export interface ChartFormats {
  bytes: (n: number) => string;
  usd: (n: number) => string;
  seconds: (ms: number) => string;
  common: object;
}

/*
 * Everything below runs in the browser: each function's source text is put in the page
 * (`CHART_SOURCES`), so each uses nothing but its arguments and the other functions listed there.
 * No animation: the page is drawn once, as it will be printed or shot.
 */

export function chartFormats(): ChartFormats {
  const bytes = (n: number): string => {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let v = n;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
  };
  const usd = (n: number): string => (n === 0 ? '$0' : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toPrecision(2)}`);
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const common = { animation: false, responsive: true, maintainAspectRatio: false };
  return { bytes, usd, seconds, common };
}

export function drawTimeline(
  t: TimelineData,
  Chart: ChartConstructor,
  has: (id: string) => boolean,
  f: ChartFormats,
): void {
  const { seconds, common } = f;
  if (!has('chart-timeline') || t.rows.length === 0) return;
  new Chart('chart-timeline', {
    type: 'bar',
    data: {
      labels: t.rows,
      datasets: t.phases.map((p) => ({
        label: p.label,
        backgroundColor: p.color,
        // A category is found by its label (a number would be taken as the bar's own index).
        data: p.bars.map(([row, from, to]) => ({ y: t.rows[row], x: [from / 1000, to / 1000] })),
        barPercentage: 0.9,
        categoryPercentage: 0.9,
        grouped: false,
      })),
    },
    options: {
      ...common,
      indexAxis: 'y',
      scales: {
        x: {
          type: 'linear',
          min: 0,
          max: t.spanMs / 1000,
          title: { display: true, text: `seconds since the run started (${t.runStartedAt})` },
        },
        y: { ticks: { autoSkip: false, font: { size: 10 } } },
      },
      plugins: {
        legend: { position: 'top' },
        tooltip: {
          callbacks: {
            label: (ctx: { dataset: { label: string }; raw: { x: [number, number] } }) =>
              `${ctx.dataset.label}: ${seconds((ctx.raw.x[1] - ctx.raw.x[0]) * 1000)} (+${ctx.raw.x[0].toFixed(2)} s)`,
          },
        },
      },
    },
  });
}

export function drawCostChart(
  id: string,
  s: CostSeries,
  Chart: ChartConstructor,
  has: (id: string) => boolean,
  f: ChartFormats,
): void {
  const { bytes, usd, common } = f;
  if (!has(id) || s.labels.length === 0) return;
  new Chart(id, {
    type: 'bar',
    data: {
      labels: s.labels,
      datasets: [
        { label: 'estimated cost (USD)', data: s.cost, backgroundColor: '#1e88e5', xAxisID: 'x' },
        { label: 'data scanned', data: s.bytes, backgroundColor: '#ffb300', xAxisID: 'x2' },
      ],
    },
    options: {
      ...common,
      indexAxis: 'y',
      scales: {
        x: { position: 'bottom', beginAtZero: true, ticks: { callback: (v: number) => usd(v) } },
        x2: {
          position: 'top',
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          ticks: { callback: (v: number) => bytes(v) },
        },
        y: { ticks: { autoSkip: false } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (ctx: { datasetIndex: number; raw: number }) =>
              ctx.datasetIndex === 0 ? `cost ${usd(ctx.raw)}` : `scanned ${bytes(ctx.raw)}`,
          },
        },
      },
    },
  });
}

export function drawTrend(
  r: TrendSeries,
  Chart: ChartConstructor,
  has: (id: string) => boolean,
  f: ChartFormats,
): void {
  const { usd, common } = f;
  if (!has('chart-trend')) return;
  new Chart('chart-trend', {
    type: 'bar',
    data: {
      labels: r.labels,
      datasets: [
        { type: 'line', label: 'duration (s)', data: r.durationS, borderColor: '#6d4c41', yAxisID: 'y2' },
        {
          type: 'line',
          label: 'estimated cost (USD)',
          data: r.cost,
          borderColor: '#1e88e5',
          yAxisID: 'y3',
        },
        { label: 'units succeeded', data: r.succeeded, backgroundColor: '#66bb6a', stack: 'units' },
        { label: 'units not succeeded', data: r.failed, backgroundColor: '#e53935', stack: 'units' },
      ],
    },
    options: {
      ...common,
      scales: {
        x: { stacked: true },
        y: { stacked: true, beginAtZero: true, title: { display: true, text: 'units' } },
        y2: {
          position: 'right',
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          title: { display: true, text: 's' },
        },
        y3: {
          position: 'right',
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          ticks: { callback: (v: number) => usd(v) },
        },
      },
      plugins: {
        tooltip: {
          callbacks: {
            footer: (items: { dataIndex: number }[]) => `run ${r.runIds[items[0]?.dataIndex ?? 0] ?? ''}`,
          },
        },
      },
    },
  });
}

export function drawCharts(data: ChartsData, Chart: ChartConstructor, has: (id: string) => boolean): void {
  const f = chartFormats();
  drawTimeline(data.timeline, Chart, has, f);
  drawCostChart('chart-accounts', data.accounts, Chart, has, f);
  drawCostChart('chart-ous', data.ous, Chart, has, f);
  if (data.trend) drawTrend(data.trend, Chart, has, f);
}

/** The page's chart code: these functions' own source text, `drawCharts` calling the others. */
export const CHART_SOURCES = [chartFormats, drawTimeline, drawCostChart, drawTrend, drawCharts]
  .map((fn) => fn.toString())
  .join('\n');
