import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { RecordBatchReader, RecordBatchStreamWriter } from 'apache-arrow';
import type { RecordBatch, Schema } from 'apache-arrow';
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
 * Streams `batches` into an Arrow IPC stream file at `path`, holding at most a batch plus a bounded
 * write buffer in memory. On failure the partial file is left for the caller's spill area to remove.
 */
export async function spillBatches(
  path: string,
  schema: Schema,
  batches: BatchSource,
): Promise<SpilledResult> {
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, schema);
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
      writer.write(batch);
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
  return { path, schema, rows, bytes: size };
}

/** The batches of a spill file, one at a time. */
export async function* readSpilled(spilled: SpilledResult): AsyncGenerator<RecordBatch, void, undefined> {
  const reader = await RecordBatchReader.from(createReadStream(spilled.path));
  for await (const batch of reader) yield batch;
}
