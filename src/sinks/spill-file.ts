import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import {
  Field,
  RecordBatchReader,
  RecordBatchStreamWriter,
  Schema,
  type DataType,
  type RecordBatch,
} from 'apache-arrow';
import { conformBatch } from './conform-batch.js';
import type { MemoryBudget } from './memory-budget.js';
import { mergeTypes, sameType } from './merge-types.js';
import { asError, sinkError } from './sink-error.js';
import { type BatchSource, iterateBatches } from './sink-types.js';

/**
 * One unit's results parked until the merged schema is known: on disk as an Arrow IPC stream (`path`),
 * or, when small, in memory (`batches`).
 */
export interface SpilledResult {
  path?: string;
  batches?: RecordBatch[];
  schema: Schema;
  rows: number;
  /** The spill file's size, or the bytes held in memory. */
  bytes: number;
}

export interface SpillOptions {
  /** Results up to `keepBelow` bytes stay in memory while this budget lasts. */
  memory?: MemoryBudget;
  /** Default 1 MiB. */
  keepBelow?: number;
}

// Bytes handed to the IPC writer but not yet on disk before the producer waits for the file to catch up.
const MAX_UNWRITTEN = 4 * 1024 * 1024;
// What a batch costs in memory besides its buffers (the Data and Vector objects), charged to the budget.
const BATCH_OVERHEAD = 4096;

/**
 * `current`, widened where `next` has a type that mergeTypes widens to (a result's timestamp column
 * read at a finer unit in a later batch); any other difference is a bug upstream.
 */
function widened(current: Schema, next: Schema): Schema {
  const fields = current.fields.map((f, i) => {
    const other = next.fields[i];
    if (other?.name !== f.name) throw new Error(`internal: batch schema differs at ${f.name}`);
    const merged = mergeTypes(f.type as DataType, other.type as DataType);
    if (!merged) throw new Error(`internal: batch type of ${f.name} cannot join the result's`);
    if (sameType(merged.type, f.type as DataType)) return f;
    return new Field(f.name, merged.type, f.nullable || other.nullable, f.metadata);
  });
  return fields.some((f, i) => f !== current.fields[i]) ? new Schema(fields, current.metadata) : current;
}

/** An Arrow IPC stream file being written; at most a bounded write buffer is held in memory. */
function ipcFile(path: string, schema: Schema) {
  // autoDestroy false: a batch of another schema starts a new stream in the same file.
  const writer = new RecordBatchStreamWriter({ autoDestroy: false });
  writer.reset(undefined, schema);
  const out = createWriteStream(path, { flags: 'wx' });
  // An object: TypeScript would otherwise narrow a local the callback sets to its initial value.
  const state: { error?: unknown } = {};
  out.on('error', (err) => {
    state.error = err;
  });
  writer.toNodeStream().pipe(out);
  const finished = once(out, 'close');
  let handed = 0;
  return {
    /** `target`: the result's schema so far; a batch that differs is conformed to it. */
    async write(batch: RecordBatch, target: Schema): Promise<void> {
      if (state.error !== undefined) throw asError(state.error);
      writer.write(batch.schema === target ? batch : conformBatch(batch, target));
      handed += batch.data.byteLength;
      while (handed - out.bytesWritten > MAX_UNWRITTEN && !out.destroyed) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async close(): Promise<void> {
      writer.close();
      await finished.catch(() => undefined);
      if (state.error !== undefined) throw sinkError(state.error, 'spill file', path);
    },
  };
}

/**
 * Parks `batches`: a result of at most `keepBelow` bytes stays in memory while `opts.memory` has room
 * (no file at all); a larger one streams into an Arrow IPC stream file at `path`, holding at most a
 * batch plus a bounded write buffer. On failure a partial file is left for the caller's spill area to
 * remove. A batch whose timestamp columns are finer than those before it widens the result: the file
 * goes on as a new IPC stream at the wider schema (readSpilled reads them all; writers conform each
 * batch), and the result's `schema` is the widest.
 */
export async function spillBatches(
  path: string,
  schema: Schema,
  batches: BatchSource,
  opts: SpillOptions = {},
): Promise<SpilledResult> {
  const keepBelow = opts.keepBelow ?? 1024 * 1024;
  let current = schema;
  let held: RecordBatch[] | undefined = opts.memory ? [] : undefined;
  let heldBytes = 0;
  let file: ReturnType<typeof ipcFile> | undefined;
  let rows = 0;
  try {
    for await (const batch of iterateBatches(batches)) {
      if (batch.schema !== current) current = widened(current, batch.schema);
      rows += batch.numRows;
      const cost = batch.data.byteLength + BATCH_OVERHEAD;
      if (held && heldBytes + cost <= keepBelow && opts.memory!.take(cost)) {
        held.push(batch);
        heldBytes += cost;
        continue;
      }
      if (!file) {
        file = ipcFile(path, current);
        // The batches held so far go first, in order; then memory is given back.
        for (const b of held ?? []) await file.write(b, current);
        opts.memory?.give(heldBytes);
        held = undefined;
        heldBytes = 0;
      }
      await file.write(batch, current);
    }
  } catch (err) {
    opts.memory?.give(heldBytes);
    await file?.close().catch(() => undefined);
    throw err;
  }
  if (!file) return { batches: held ?? [], schema: current, rows, bytes: heldBytes };
  await file.close();
  const { size } = await stat(path);
  return { path, schema: current, rows, bytes: size };
}

/** The batches of a spilled result, one at a time (a batch may be narrower than `schema`). */
export async function* readSpilled(spilled: SpilledResult): AsyncGenerator<RecordBatch, void, undefined> {
  if (spilled.batches) {
    yield* spilled.batches;
    return;
  }
  for await (const reader of RecordBatchReader.readAll(createReadStream(spilled.path!))) {
    for await (const batch of reader) yield batch;
  }
}
