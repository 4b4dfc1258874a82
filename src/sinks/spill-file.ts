import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { Field, RecordBatchReader, RecordBatchStreamWriter, Schema } from 'apache-arrow';
import type { DataType, RecordBatch } from 'apache-arrow';
import { conformBatch } from './conform-batch.js';
import { mergeTypes, sameType } from './merge-types.js';
import { asError, sinkError } from './sink-error.js';
import type { BatchSource } from './sink-types.js';
import { iterateBatches } from './sink-types.js';

/** One unit's results parked on disk as an Arrow IPC stream until the merged schema is known. */
export interface SpilledResult {
  path: string;
  schema: Schema;
  rows: number;
  bytes: number;
}

// Bytes handed to the IPC writer but not yet on disk before the producer waits for the file to catch up.
const MAX_UNWRITTEN = 4 * 1024 * 1024;

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

/**
 * Streams `batches` into an Arrow IPC stream file at `path`, holding at most a batch plus a bounded
 * write buffer in memory. On failure the partial file is left for the caller's spill area to remove.
 * A batch whose timestamp columns are finer than those before it widens the result: the file goes on
 * as a new IPC stream at the wider schema (readSpilled reads them all; writers conform each batch),
 * and the result's `schema` is the widest.
 */
export async function spillBatches(
  path: string,
  schema: Schema,
  batches: BatchSource,
): Promise<SpilledResult> {
  // autoDestroy false: a batch of another schema starts a new stream in the same file.
  const writer = new RecordBatchStreamWriter({ autoDestroy: false });
  writer.reset(undefined, schema);
  let current = schema;
  const out = createWriteStream(path, { flags: 'wx' });
  // An object: TypeScript would otherwise narrow a local the callback sets to its initial value.
  const state: { error?: unknown } = {};
  out.on('error', (err) => {
    state.error = err;
  });
  const ipc = writer.toNodeStream();
  ipc.pipe(out);
  const finished = once(out, 'close');
  let rows = 0;
  let handed = 0;
  try {
    for await (const batch of iterateBatches(batches)) {
      if (state.error !== undefined) throw asError(state.error);
      if (batch.schema !== current) {
        current = widened(current, batch.schema);
        writer.write(conformBatch(batch, current));
      } else writer.write(batch);
      rows += batch.numRows;
      handed += batch.data.byteLength;
      while (handed - out.bytesWritten > MAX_UNWRITTEN && !out.destroyed) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  } finally {
    writer.close();
    await finished.catch(() => undefined);
  }
  if (state.error !== undefined) throw sinkError(state.error, 'spill file', path);
  const { size } = await stat(path);
  return { path, schema: current, rows, bytes: size };
}

/** The batches of a spill file, one at a time, across its streams (a batch may be narrower than `schema`). */
export async function* readSpilled(spilled: SpilledResult): AsyncGenerator<RecordBatch, void, undefined> {
  for await (const reader of RecordBatchReader.readAll(createReadStream(spilled.path))) {
    for await (const batch of reader) yield batch;
  }
}
