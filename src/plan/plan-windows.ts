import type { PipelineConfig } from '../config/index.js';
import type { UnitSpec } from './units.js';
import { type UnitWindow, unitWindows, type WindowOptions, windowKey } from './unit-windows.js';

/** One incremental unit's window as `plan` shows it. */
export interface PlannedWindow extends UnitWindow {
  query: string;
  accountId: string;
  region: string;
  column: string;
}

/** The window each incremental unit would read if the run started now. */
export async function plannedWindows(
  config: PipelineConfig,
  units: readonly UnitSpec[],
  o: WindowOptions,
): Promise<PlannedWindow[]> {
  const windows = await unitWindows(config, units, o);
  return units.flatMap(({ account, region, query }) => {
    const w = windows.get(windowKey(query.name, account.id, region));
    return w && query.incremental
      ? [{ query: query.name, accountId: account.id, region, column: query.incremental.column, ...w }]
      : [];
  });
}

/** `2026-12-01 00:00:00.000`: the instant as `{{since}}` / `{{until}}` send it, without the literal. */
const shown = (iso: string) => iso.replace('T', ' ').replace('Z', '');

/** The windows of one query's units for the terminal, one line each, under the query. */
export function formatWindows(windows: readonly PlannedWindow[] | undefined, query: string): string[] {
  const mine = (windows ?? []).filter((w) => w.query === query);
  if (mine.length === 0) return [];
  const lines = [`    windows on ${mine[0]!.column} (since inclusive, until exclusive, UTC):`];
  for (const w of mine) {
    lines.push(`      ${w.accountId} ${w.region}  ${shown(w.since)} -> ${shown(w.until)}  (${w.from})`);
  }
  return lines;
}
