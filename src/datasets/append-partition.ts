import type { RecordBatch, Schema } from 'apache-arrow';
import { Schema as ArrowSchema } from 'apache-arrow';
import type { AppendMode, SinkConfig } from '../config/index.js';
import { readSpilled } from '../sinks/index.js';
import type { DatasetStore } from './dataset-store.js';
import {
  datasetManifest,
  type DatasetFile,
  type DatasetManifest,
  EXTENSION,
  type PartitionedPart,
  SUCCESS_MARKER,
  withoutColumn,
} from './write-partitioned.js';

/**
 * `mode: append`: a dataset that grows run by run. Each run adds its parts under one partition,
 * `run_date=YYYY-MM-DD/` (the run's start day, UTC; several runs of a day share it) or `run_id=<id>/`,
 * then `<key>=<account>/part-<runId>-NNNN.<ext>`: a part is named by its run, so a run never replaces
 * another run's files, and a re-run of the same run id replaces exactly its own. Once every new part
 * is whole, the oldest partitions beyond `retention` are deleted, then `_SUCCESS` is written last.
 */

const PARTITION = /^(run_date|run_id)=[^/]+$/;

/** This run's partition directory, relative to the dataset. */
export function runPartition(append: AppendMode, runId: string, runDate: string): string {
  return append.partitionBy === 'runId'
    ? `run_id=${encodeURIComponent(runId)}`
    : `run_date=${encodeURIComponent(runDate)}`;
}

const runPartPrefix = (runId: string) => `part-${encodeURIComponent(runId)}-`;

/** A part file this run id wrote (in any partition: a resumed run may have crossed midnight). */
export function isRunPart(rel: string, runId: string): boolean {
  const segments = rel.split('/');
  return (
    segments.length === 3 &&
    PARTITION.test(segments[0]!) &&
    segments[2]!.startsWith(runPartPrefix(runId)) &&
    /\.[a-z]+$/.test(segments[2]!)
  );
}

/** The partitions to delete so that `retention` remain, this run's always kept: the oldest first. */
export function partitionsToDrop(present: Iterable<string>, current: string, retention?: number): string[] {
  if (retention === undefined) return [];
  // run_date sorts by day; generated run ids start with their start time, so they sort by age too.
  const others = [...new Set(present)].filter((p) => p !== current).sort();
  return others.slice(0, Math.max(0, others.length - (retention - 1)));
}

export interface AppendManifest extends DatasetManifest {
  mode: 'append';
  /** This run's partition; `files` are its parts. */
  partition: string;
  /** Every partition the dataset holds now, oldest first. */
  partitions: string[];
}

export interface AppendRun {
  sink: SinkConfig & { append: AppendMode };
  store: DatasetStore;
  query: string;
  runId: string;
  /** `YYYY-MM-DD`, UTC. */
  runDate: string;
  schema: Schema;
  parts: PartitionedPart[];
  accountKey: string;
}

/** Writes this run's partition, then applies `retention`, then `_SUCCESS` (see the module comment). */
export async function writeAppendPartition(
  a: AppendRun,
): Promise<{ path: string; rows: number; bytes: number }> {
  const { sink, store, accountKey, runId } = a;
  const partition = runPartition(sink.append, runId, a.runDate);
  await store.remove([SUCCESS_MARKER]);
  const fileSchema = new ArrowSchema(
    a.schema.fields.filter((f) => f.name !== accountKey),
    a.schema.metadata,
  );
  const perAccount = new Map<string, number>();
  const files: DatasetFile[] = [];
  for (const part of a.parts) {
    const index = perAccount.get(part.accountId) ?? 0;
    perAccount.set(part.accountId, index + 1);
    const name = `${runPartPrefix(runId)}${String(index).padStart(4, '0')}.${EXTENSION[sink.type]}`;
    const rel = `${partition}/${accountKey}=${encodeURIComponent(part.accountId)}/${name}`;
    const batches = async function* (): AsyncGenerator<RecordBatch> {
      for await (const b of readSpilled(part.data)) yield withoutColumn(b, accountKey);
    };
    const out = await store.writePart(rel, fileSchema, batches());
    files.push({ path: rel, accountId: part.accountId, rows: out.rows, bytes: out.bytes });
  }
  // Only now that every new part is whole: what an earlier attempt of this run id left, then retention.
  const written = new Set(files.map((f) => f.path));
  const listed = await store.list();
  const stale = listed.filter((f) => isRunPart(f.path, runId) && !written.has(f.path));
  const present = listed.map((f) => f.path.split('/')[0]!).filter((p) => PARTITION.test(p));
  const drop = new Set(partitionsToDrop([...present, partition], partition, sink.append.retention));
  const expired = listed.filter((f) => drop.has(f.path.split('/')[0]!));
  await store.remove([...stale, ...expired].map((f) => f.path));
  const manifest: AppendManifest = {
    ...datasetManifest(sink, a.query, runId, accountKey, files),
    mode: 'append',
    partition,
    partitions: [...new Set([...present, partition])].filter((p) => !drop.has(p)).sort(),
  };
  await store.writeText(SUCCESS_MARKER, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');
  return { path: store.location, rows: manifest.rows, bytes: manifest.bytes };
}
