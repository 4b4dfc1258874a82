import { readFile } from 'node:fs/promises';
import { METRIC_PREFIX } from './prometheus-text.js';

/** Counters keep counting across runs: the textfile collector only sees the last file. */
export function previousRunCounts(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (!text) return out;
  for (const m of text.matchAll(new RegExp(`^${METRIC_PREFIX}_runs_total\\{([^}]*)\\} (\\d+)$`, 'gm'))) {
    const status = /(?:^|,)status="(\w+)"/.exec(m[1]!)?.[1];
    if (status) out.set(status, Number(m[2]));
  }
  return out;
}

/** The counts of the metrics file the last run wrote; none when there is no readable file yet. */
export async function readPreviousMetrics(file: string): Promise<Map<string, number>> {
  try {
    return previousRunCounts(await readFile(file, 'utf8'));
  } catch {
    return new Map();
  }
}
