import type { S3Client } from '@aws-sdk/client-s3';
import type { IncrementalConfig, PipelineConfig } from '../config/index.js';
import {
  readWatermarks,
  type UnitWatermark,
  watermarkKey,
  watermarkLocation,
  type WatermarkState,
} from '../datasets/index.js';
import type { UnitSpec } from './units.js';

/**
 * Where a unit's window comes from: `initial` (no state yet), `state` (the last run that succeeded for
 * it), `resumed` (this run id already read it: the same window again), `full-refresh` (state ignored).
 */
export type WindowSource = 'initial' | 'state' | 'resumed' | 'full-refresh';

/** `{{since}}` (inclusive) to `{{until}}` (exclusive), ISO 8601 in UTC. */
export interface UnitWindow {
  since: string;
  until: string;
  from: WindowSource;
}

export interface WindowOptions {
  /** The run's cut-off, fixed at its start (a resumed run keeps its first attempt's). */
  until: Date;
  runId: string;
  fullRefresh: boolean;
  /** s3:// states: a client with the base credentials. */
  s3: () => S3Client;
}

/**
 * One unit's window. A watermark never moves back: a state ahead of this run's cut-off (another
 * host's clock, a later run) gives an empty window at the state's `until`.
 */
export function unitWindow(
  incremental: IncrementalConfig,
  prior: UnitWatermark | undefined,
  o: Pick<WindowOptions, 'until' | 'runId' | 'fullRefresh'>,
): UnitWindow {
  const until = o.until.toISOString();
  if (o.fullRefresh) return { since: incremental.initial, until, from: 'full-refresh' };
  if (!prior) return { since: incremental.initial, until, from: 'initial' };
  if (prior.runId === o.runId) return { since: prior.since, until: prior.until, from: 'resumed' };
  const since = prior.until;
  return { since, until: since > until ? since : until, from: 'state' };
}

export function windowKey(query: string, accountId: string, region: string): string {
  return `${query}\u0000${watermarkKey(accountId, region)}`;
}

/** The state of each incremental query among `units`, by query name (nothing read with --full-refresh). */
export async function readQueryStates(
  config: PipelineConfig,
  units: readonly UnitSpec[],
  o: Pick<WindowOptions, 's3' | 'fullRefresh'>,
): Promise<Map<string, WatermarkState>> {
  const states = new Map<string, WatermarkState>();
  if (o.fullRefresh) return states;
  for (const { query } of units) {
    if (!query.incremental || states.has(query.name)) continue;
    const location = watermarkLocation(config.sinks, query.name);
    states.set(query.name, await readWatermarks(location, query.name, query.incremental.column, o.s3));
  }
  return states;
}

/** Every incremental unit's window, by windowKey; units of other queries have none. */
export async function unitWindows(
  config: PipelineConfig,
  units: readonly UnitSpec[],
  o: WindowOptions,
): Promise<Map<string, UnitWindow>> {
  const states = await readQueryStates(config, units, o);
  const windows = new Map<string, UnitWindow>();
  for (const { account, region, query } of units) {
    if (!query.incremental) continue;
    const prior = states.get(query.name)?.units[watermarkKey(account.id, region)];
    windows.set(windowKey(query.name, account.id, region), unitWindow(query.incremental, prior, o));
  }
  return windows;
}
