import { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { awsClientConfig } from '../aws/index.js';
import type { PipelineConfig } from '../config/index.js';
import { readWatermarks, watermarkKey, watermarkLocation, writeWatermarks } from '../datasets/index.js';
import { ConfigError } from '../errors.js';
import type { OutputRecord } from '../manifest.js';
import { type Shard, type UnitSpec, type UnitWindow, unitWindows } from '../plan/index.js';
import { isWritten } from './attempt-output.js';
import type { UnitValue } from './unit-value.js';

/**
 * The run side of incremental extraction: each unit's window read from the state before any query,
 * and each query's state advanced, for the units that succeeded, once all of that query's outputs are
 * written. A unit that failed, was cancelled, or whose outputs failed keeps its watermark and reads
 * from there next time; the others move on.
 */

/** With an s3 client (base credentials, the run's region) made on first use and closed after. */
async function withS3<T>(config: PipelineConfig, use: (s3: () => S3Client) => Promise<T>): Promise<T> {
  let client: S3Client | undefined;
  try {
    return await use(() => (client ??= new S3Client(awsClientConfig('s3', { region: config.region }))));
  } finally {
    client?.destroy();
  }
}

/**
 * Shards write their share of a dataset and `merge` finishes it, so no single process knows when a
 * unit's outputs are all written; appending partitions would also need `merge` to keep them.
 */
export function refuseShardedIncremental(config: PipelineConfig, shard: Shard | undefined): void {
  if (!shard) return;
  const issues = [
    ...config.queries.flatMap((q, i) =>
      q.incremental
        ? [
            {
              path: `queries.${i}.incremental`,
              message: 'incremental queries cannot run sharded (--shard) yet',
            },
          ]
        : [],
    ),
    ...config.sinks.flatMap((s, i) =>
      s.append
        ? [
            {
              path: `sinks.${i}.mode`,
              message: 'append datasets cannot be written by a sharded run (--shard) yet',
            },
          ]
        : [],
    ),
  ];
  if (issues.length > 0) throw new ConfigError(issues);
}

/** Each incremental unit's window, from the states beside the outputs (none read with fullRefresh). */
export async function runWindows(
  config: PipelineConfig,
  units: readonly UnitSpec[],
  o: { until: Date; runId: string; fullRefresh: boolean },
): Promise<Map<string, UnitWindow>> {
  if (!units.some((u) => u.query.incremental)) return new Map();
  return withS3(config, (s3) => unitWindows(config, units, { ...o, s3 }));
}

/** Every sink wrote this query's output (a failed or kept one means its rows are not all out). */
function allOutputsWritten(config: PipelineConfig, query: string, outputs: readonly OutputRecord[]): boolean {
  const mine = outputs.filter((o) => o.query === query);
  return mine.length >= config.sinks.length && mine.every(isWritten);
}

/**
 * Records the window of every unit that succeeded as its new watermark, per incremental query whose
 * outputs are all written: the state is read again, changed for those units only, and replaced whole.
 * Returns the warnings (a state that could not be written, outputs that failed).
 */
export async function advanceWatermarks(
  config: PipelineConfig,
  results: readonly UnitValue[],
  outputs: readonly OutputRecord[],
  runId: string,
  log: Logger,
): Promise<string[]> {
  const warnings: string[] = [];
  await withS3(config, async (s3) => {
    for (const query of config.queries) {
      if (!query.incremental) continue;
      const done = results.filter((r) => r.record.query === query.name && r.data && r.record.window);
      if (done.length === 0) continue;
      if (!allOutputsWritten(config, query.name, outputs)) {
        warnings.push(
          `query ${query.name}: not every output was written, so no watermark moved; the next run reads these windows again`,
        );
        continue;
      }
      const location = watermarkLocation(config.sinks, query.name);
      try {
        const state = await readWatermarks(location, query.name, query.incremental.column, s3);
        const updatedAt = new Date().toISOString();
        for (const { record } of done) {
          const region = record.region ?? config.region;
          state.units[watermarkKey(record.accountId, region)] = {
            accountId: record.accountId,
            region,
            since: record.window!.since,
            until: record.window!.until,
            runId,
            updatedAt,
          };
        }
        await writeWatermarks(location, state, config.sinks[0]!, s3);
        log.info({ query: query.name, state: location, units: done.length }, 'watermarks advanced');
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        warnings.push(
          `query ${query.name}: the incremental state ${location} was not written (${message}); the next run reads these windows again`,
        );
        log.error({ query: query.name, state: location, error: message }, 'watermarks not advanced');
      }
    }
  });
  return warnings;
}
