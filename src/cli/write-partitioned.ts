import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Schema } from 'apache-arrow';
import { makeData, RecordBatch, Schema as ArrowSchema, Struct } from 'apache-arrow';
import type { SinkConfig } from '../config/index.js';
import { readSpilled, type SpilledResult, writeFileAtomic } from '../sinks/index.js';
import { writeSink } from './write-sink.js';

export const EXTENSION: Record<SinkConfig['type'], string> = {
  parquet: 'parquet',
  arrow: 'arrow',
  'arrow-stream': 'arrows',
  ndjson: 'ndjson',
};

export interface PartitionedPart {
  accountId: string;
  region: string;
  data: SpilledResult;
}

/** The batch without one column (RecordBatch.select keeps a struct type parquet-wasm refuses). */
export function withoutColumn(batch: RecordBatch, name: string): RecordBatch {
  const kept = batch.schema.fields.flatMap((f, i) => (f.name === name ? [] : [{ f, i }]));
  const fields = kept.map((k) => k.f);
  const data = makeData({
    type: new Struct(fields),
    length: batch.numRows,
    nullCount: 0,
    children: kept.map((k) => batch.data.children[k.i]!),
  });
  return new RecordBatch(new ArrowSchema(fields, batch.schema.metadata), data);
}

/** Hive path values: `/` and other separators would create levels that are not there. */
function partitionValue(v: string): string {
  return encodeURIComponent(v);
}

/**
 * The part of one (account, region) unit when the shards of a run write one dataset together: named by
 * region, since two shards may hold the same account in different regions and must never share a name.
 */
export function sharedPartPath(
  root: string,
  query: string,
  accountKey: string,
  accountId: string,
  region: string,
  ext: string,
): string {
  return join(
    root,
    `query=${partitionValue(query)}`,
    `${accountKey}=${partitionValue(accountId)}`,
    `part-${partitionValue(region)}.${ext}`,
  );
}

/**
 * One query as a hive-style dataset under `root`: `query=<name>/<key>=<account>/part-NNNN.<ext>`, one
 * part per unit, the partition column left out of the files (readers take it from the path, as
 * Athena/Glue, DuckDB, pyarrow and Spark do). The dataset is visible once `_SUCCESS` is written last;
 * it is removed first, and account directories a previous run left are removed before it comes back.
 * `shared` (one shard of a run): parts are named by region (`sharedPartPath`) and nothing else is
 * removed or marked; `merge` clears what no unit of the run wrote and writes `_SUCCESS`.
 */
export async function writePartitioned(
  sink: SinkConfig,
  root: string,
  query: string,
  schema: Schema,
  parts: PartitionedPart[],
  accountKey: string,
  shared = false,
): Promise<{ path: string; rows: number; bytes: number }> {
  const dataset = join(root, `query=${partitionValue(query)}`);
  await rm(join(dataset, '_SUCCESS'), { force: true });
  const fileSchema = new ArrowSchema(
    schema.fields.filter((f) => f.name !== accountKey),
    schema.metadata,
  );
  const partsPerAccount = new Map<string, number>();
  const written = new Set<string>();
  let rows = 0;
  let bytes = 0;
  for (const part of parts) {
    const dirName = `${accountKey}=${partitionValue(part.accountId)}`;
    const index = partsPerAccount.get(part.accountId) ?? 0;
    // Parts a previous run wrote for this account go, so that no stale part is read along.
    if (index === 0 && !shared) await rm(join(dataset, dirName), { recursive: true, force: true });
    partsPerAccount.set(part.accountId, index + 1);
    const file = shared
      ? sharedPartPath(root, query, accountKey, part.accountId, part.region, EXTENSION[sink.type])
      : join(dataset, dirName, `part-${String(index).padStart(4, '0')}.${EXTENSION[sink.type]}`);
    const batches = async function* (): AsyncGenerator<RecordBatch> {
      for await (const b of readSpilled(part.data)) yield withoutColumn(b, accountKey);
    };
    const out = await writeSink(sink, file, fileSchema, batches());
    written.add(dirName);
    rows += out.rows;
    bytes += out.bytes;
  }
  if (shared) return { path: dataset, rows, bytes };
  for (const name of await readdir(dataset).catch(() => [] as string[])) {
    if (name.startsWith(`${accountKey}=`) && !written.has(name)) {
      await rm(join(dataset, name), { recursive: true, force: true });
    }
  }
  await writeFileAtomic(join(dataset, '_SUCCESS'), (temp) => writeFile(temp, ''));
  return { path: dataset, rows, bytes };
}
