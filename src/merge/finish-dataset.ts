import type { S3Client } from '@aws-sdk/client-s3';
import type { Schema } from 'apache-arrow';
import type { Logger } from 'pino';
import type { PipelineConfig, SinkConfig } from '../config/index.js';
import type { Manifest, OutputRecord, UnitRecord } from '../manifest.js';
import { conformShardParts } from './conform-dataset.js';
import {
  type DatasetStore,
  datasetManifest,
  type DatasetFile,
  EXTENSION,
  isPartFile,
  sharedPartPath,
  SUCCESS_MARKER,
} from '../datasets/index.js';
import { shardFailed } from './merge-manifests.js';
import { isWritten } from '../run/index.js';

/** A unit of the run that succeeded, with its staged results. */
export interface StagedResult {
  unit: UnitRecord;
  shard: number;
  /** Its staged Arrow IPC stream (under the run's staging root: a local file or an S3 object). */
  path: string;
  schema: Schema;
}

export interface DatasetToFinish {
  store: DatasetStore;
  sink: SinkConfig;
  query: PipelineConfig['queries'][number];
  runId: string;
  /** The run's region: a unit recorded without one ran there. */
  region: string;
  shards: Manifest[];
  /** Every shard present: stale parts may be cleared (no shard is still writing). */
  allPresent: boolean;
  staged: StagedResult[];
  /** The run-wide union of the staged units' schemas. */
  schema: Schema;
  /** For staged units on S3. */
  s3: () => S3Client;
  log: Logger;
}

/** Ours under `<key>=…/`: parts of any run, and temp files of part writers (none is alive at merge). */
const isOwnFile = (rel: string, accountKey: string) =>
  isPartFile(rel, accountKey) || (rel.startsWith(`${accountKey}=`) && /^[^/]+\/\.part-[^/]+\.tmp$/.test(rel));

/**
 * Finishes one partitioned dataset the shards wrote together (a local directory or an S3 prefix, both
 * through its `DatasetStore`), once every shard is present: parts conformed to the run's schema, every
 * part file under `<key>=…/` that is not the part of a unit of this run that succeeded removed (earlier
 * runs of either naming, accounts no longer selected, temp files of killed writers), and `_SUCCESS`
 * with the dataset manifest listing every part of every shard, last, unless a shard is missing or
 * failed. Returns the dataset's output record (none when no shard wrote it: ifExists kept it) and a
 * warning when it is left without `_SUCCESS`.
 */
export async function finishDataset(
  d: DatasetToFinish,
): Promise<{ output?: OutputRecord; warning?: string }> {
  const { store, sink, query } = d;
  const written = d.shards.flatMap((m) =>
    m.outputs.filter((o) => o.query === query.name && o.path === store.location && isWritten(o)),
  );
  if (written.length === 0) return {};
  const accountKey = query.provenance.find((p) => p.field === 'account_id')?.name ?? 'account_id';
  const partOf = (s: StagedResult) =>
    sharedPartPath(accountKey, s.unit.accountId, s.unit.region ?? d.region, EXTENSION[sink.type]);
  let complete = d.allPresent && !d.shards.some(shardFailed);
  let missingParts: string[] = [];
  if (d.allPresent) {
    const byShard = d.shards.map((m) =>
      d.staged
        .filter((s) => s.shard === m.shard!.index)
        .map((s) => ({ part: partOf(s), staged: s.path, schema: s.schema })),
    );
    const rewritten = await conformShardParts(store, sink, d.schema, accountKey, byShard, d.s3);
    const listed = await store.list();
    const keep = new Set(d.staged.map(partOf));
    const stale = listed.filter((f) => isOwnFile(f.path, accountKey) && !keep.has(f.path));
    await store.remove(stale.map((f) => f.path));
    d.log.info(
      { path: store.location, rewritten: rewritten.size, removed: stale.length },
      'dataset conformed and cleared',
    );
    const sizes = new Map(listed.map((f) => [f.path, f.bytes]));
    // A unit staged but whose part is not there (its shard stopped between the two) cannot be listed.
    missingParts = [...keep].filter((p) => !sizes.has(p));
    complete &&= missingParts.length === 0;
    // Files changed under it: an earlier merge's marker would describe another dataset.
    if (!complete) await store.remove([SUCCESS_MARKER]);
    else {
      const files: DatasetFile[] = d.staged
        .map((s) => {
          const path = partOf(s);
          const rows = rewritten.get(path)?.rows ?? s.unit.rows;
          return { path, accountId: s.unit.accountId, rows, bytes: sizes.get(path)! };
        })
        .sort((a, b) => (a.path < b.path ? -1 : 1));
      const manifest = datasetManifest(sink, query.name, d.runId, accountKey, files);
      await store.writeText(SUCCESS_MARKER, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');
      const { rows, bytes } = manifest;
      return { output: { query: query.name, type: sink.type, path: store.location, rows, bytes } };
    }
  }
  // Incomplete: what the shards say they wrote.
  const rows = written.reduce((n, p) => n + p.rows, 0);
  const bytes = written.reduce((n, p) => n + p.bytes, 0);
  const output = { query: query.name, type: sink.type, path: store.location, rows, bytes };
  const why =
    missingParts.length > 0
      ? `parts of succeeded units are missing (${missingParts.join(', ')})`
      : 'a shard is missing or failed';
  return {
    output,
    warning: `query ${query.name}: ${store.location} has no _SUCCESS: ${why} (run it again, then merge)`,
  };
}
