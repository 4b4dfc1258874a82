import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { type Schema, makeData, RecordBatch, Schema as ArrowSchema, Struct } from 'apache-arrow';
import type { SinkConfig } from '../config/index.js';
import { readSpilled, type SpilledResult } from '../sinks/index.js';
import { type DatasetStore, localDatasetStore, s3DatasetStore } from './dataset-store.js';

export const EXTENSION: Record<SinkConfig['type'], string> = {
  parquet: 'parquet',
  arrow: 'arrow',
  'arrow-stream': 'arrows',
  ndjson: 'ndjson',
};

/** The marker written last; its body is the dataset's manifest (readers skip `_` files). */
export const SUCCESS_MARKER = '_SUCCESS';

export interface PartitionedPart {
  accountId: string;
  region: string;
  data: SpilledResult;
}

export interface DatasetFile {
  path: string;
  accountId: string;
  rows: number;
  bytes: number;
}

/** What `_SUCCESS` holds: the files the run wrote, so a reader can check it sees all and only them. */
export interface DatasetManifest {
  query: string;
  runId: string;
  format: SinkConfig['type'];
  partitionColumn: string;
  writtenAt: string;
  rows: number;
  bytes: number;
  files: DatasetFile[];
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

/** The directory (or prefix) of one query's dataset under a sink's root. */
export function datasetName(query: string): string {
  return `query=${partitionValue(query)}`;
}

/** The dataset of one query under a sink's root: a local directory or an S3 prefix. */
export function datasetStore(
  sink: SinkConfig,
  root: string,
  query: string,
  s3: () => S3Client,
): DatasetStore {
  return root.startsWith('s3://')
    ? s3DatasetStore(sink, `${root.replace(/\/+$/, '')}/${datasetName(query)}`, s3)
    : localDatasetStore(sink, join(root, datasetName(query)));
}

/**
 * The part of one (account, region) unit, relative to the dataset, when the shards of a run write one
 * dataset together: named by region, since two shards may hold the same account in different regions
 * and must never share a name.
 */
export function sharedPartPath(accountKey: string, accountId: string, region: string, ext: string): string {
  return `${accountKey}=${partitionValue(accountId)}/part-${partitionValue(region)}.${ext}`;
}

/**
 * A part file of ours under `<key>=<account>/`, whichever run wrote it: `part-NNNN.<ext>` of an
 * unsharded run or `part-<region>.<ext>` of a sharded one (so either run cleans up after the other).
 * Anything else a user keeps under the dataset is not ours to remove.
 */
export function isPartFile(rel: string, accountKey: string): boolean {
  return rel.startsWith(`${accountKey}=`) && /^[^/]+\/part-[^/]+\.[a-z]+$/.test(rel);
}

export function datasetManifest(
  sink: SinkConfig,
  query: string,
  runId: string,
  accountKey: string,
  files: DatasetFile[],
): DatasetManifest {
  return {
    query,
    runId,
    format: sink.type,
    partitionColumn: accountKey,
    writtenAt: new Date().toISOString(),
    rows: files.reduce((n, f) => n + f.rows, 0),
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    files,
  };
}

/**
 * One query as a hive-style dataset: `<key>=<account>/part-NNNN.<ext>`, one part per unit, the
 * partition column left out of the files (readers take it from the path, as Athena/Glue, DuckDB,
 * pyarrow and Spark do). `_SUCCESS` is removed first and written last, only once every part is whole,
 * with the dataset manifest as its body. Parts of an earlier run that this run did not write are
 * removed after the new parts are complete, before `_SUCCESS`: a run that fails midway leaves no
 * `_SUCCESS` (and on S3 no open multipart upload), and the next run's overwrite cleans up.
 * `shared` (one shard of a run): parts are named by region (`sharedPartPath`) and nothing else is
 * removed or marked; `merge` clears what no unit of the run wrote and writes `_SUCCESS`.
 */
export async function writePartitioned(
  sink: SinkConfig,
  store: DatasetStore,
  query: string,
  runId: string,
  schema: Schema,
  parts: PartitionedPart[],
  accountKey: string,
  shared = false,
): Promise<{ path: string; rows: number; bytes: number }> {
  await store.remove([SUCCESS_MARKER]);
  const fileSchema = new ArrowSchema(
    schema.fields.filter((f) => f.name !== accountKey),
    schema.metadata,
  );
  const partsPerAccount = new Map<string, number>();
  const files: DatasetFile[] = [];
  for (const part of parts) {
    const index = partsPerAccount.get(part.accountId) ?? 0;
    partsPerAccount.set(part.accountId, index + 1);
    const rel = shared
      ? sharedPartPath(accountKey, part.accountId, part.region, EXTENSION[sink.type])
      : `${accountKey}=${partitionValue(part.accountId)}/part-${String(index).padStart(4, '0')}.${EXTENSION[sink.type]}`;
    const batches = async function* (): AsyncGenerator<RecordBatch> {
      for await (const b of readSpilled(part.data)) yield withoutColumn(b, accountKey);
    };
    const out = await store.writePart(rel, fileSchema, batches());
    files.push({ path: rel, accountId: part.accountId, rows: out.rows, bytes: out.bytes });
  }
  const manifest = datasetManifest(sink, query, runId, accountKey, files);
  if (shared) return { path: store.location, rows: manifest.rows, bytes: manifest.bytes };
  const written = new Set(files.map((f) => f.path));
  const stale = (await store.list()).filter((f) => isPartFile(f.path, accountKey) && !written.has(f.path));
  await store.remove(stale.map((f) => f.path));
  await store.writeText(SUCCESS_MARKER, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');
  return { path: store.location, rows: manifest.rows, bytes: manifest.bytes };
}
