/** Every series this tool writes is named `athena_fanout_…`. */
export const METRIC_PREFIX = 'athena_fanout';

export interface Sample {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  values: { labels?: Record<string, string>; value: number }[];
}

/** Prometheus text exposition format; `common` labels go on every series. */
export function prometheusText(samples: Sample[], common: Record<string, string>): string {
  let text = '';
  for (const s of samples) {
    const name = `${METRIC_PREFIX}_${s.name}`;
    text += `# HELP ${name} ${s.help}\n# TYPE ${name} ${s.type}\n`;
    for (const v of s.values) {
      text += `${name}${labels({ ...common, ...v.labels })} ${formatNumber(v.value)}\n`;
    }
  }
  return text;
}

function labels(l: Record<string, string>): string {
  if (Object.keys(l).length === 0) return '';
  const parts = Object.entries(l).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return `{${parts.join(',')}}`;
}

function formatNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : 'NaN';
}
