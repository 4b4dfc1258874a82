import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordBatchReader, type RecordBatch, type Schema } from 'apache-arrow';
import { readSpilled, type SpilledResult, writeArrowFile } from '../sinks/index.js';
import { datasetName, sharedPartPath } from './write-partitioned.js';

/** Staged parts are always named by this key, whatever the query's account column is called. */
const STAGING_KEY = 'account_id';

/** Where one (account, region) unit of `query` is staged under a run's staging root. */
export function stagedPartPath(root: string, query: string, accountId: string, region: string): string {
  return join(root, datasetName(query), sharedPartPath(STAGING_KEY, accountId, region, 'arrows'));
}

export interface StagedUnit {
  accountId: string;
  region: string;
  data: SpilledResult;
}

/**
 * A shard's units of one query for merged sinks: each unit's results (kept in memory or spilled, where
 * a file may hold several IPC streams as timestamp units widened) written atomically into the staging
 * layout as one Arrow IPC stream of the unit's own widest schema, every column kept. The types stay exact for any
 * output format, and `merge` unions the units' schemas exactly as a single run does.
 */
export async function stageUnits(
  root: string,
  query: string,
  units: StagedUnit[],
): Promise<{ path: string; rows: number; bytes: number }> {
  let rows = 0;
  let bytes = 0;
  for (const u of units) {
    const path = stagedPartPath(root, query, u.accountId, u.region);
    await writeArrowFile(path, u.data.schema, readSpilled(u.data), 'stream');
    rows += u.data.rows;
    bytes += u.data.bytes;
  }
  return { path: stagingDir(root, query), rows, bytes };
}

/** The schema of a staged part: only its first message is read. */
export async function stagedSchema(path: string): Promise<Schema> {
  const stream = createReadStream(path);
  try {
    const reader = await RecordBatchReader.from(stream);
    await reader.open();
    return reader.schema;
  } finally {
    stream.destroy();
  }
}

/** A staged part's batches, one at a time. */
export async function* readStaged(path: string): AsyncGenerator<RecordBatch, void, undefined> {
  const reader = await RecordBatchReader.from(createReadStream(path));
  for await (const batch of reader) yield batch;
}

export async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Where a shard stages the units of `query` under its staging root. */
export function stagingDir(root: string, query: string): string {
  return join(root, datasetName(query));
}
