import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { RecordBatchStreamWriter } from 'apache-arrow';
import type { RecordBatch, Schema } from 'apache-arrow';
import {
  Compression,
  Table as WasmTable,
  WriterPropertiesBuilder,
  transformParquetStream,
} from 'parquet-wasm';
import type { RecordBatch as WasmRecordBatch, WriterProperties } from 'parquet-wasm';
import { FanoutError } from '../errors.js';
import { conformBatch } from './conform-batch.js';
import { emptyBatch } from './empty-batch.js';
import { iterateBatches } from './sink-types.js';
import type { BatchSource, ParquetOptions, WrittenFile } from './sink-types.js';
import { asError, sinkError } from './sink-error.js';
import { writeFileAtomic } from './write-file-atomic.js';

export const DEFAULT_ROW_GROUP_SIZE = 131_072;

const CODECS: Record<NonNullable<ParquetOptions['compression']>, Compression> = {
  zstd: Compression.ZSTD,
  snappy: Compression.SNAPPY,
  gzip: Compression.GZIP,
  none: Compression.UNCOMPRESSED,
};

function writerProperties(opts: ParquetOptions): WriterProperties {
  const rowGroupSize = opts.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) {
    throw new FanoutError(`rowGroupSize must be a positive integer, got ${rowGroupSize}`, {
      context: { stage: 'sink' },
    });
  }
  return new WriterPropertiesBuilder()
    .setCompression(CODECS[opts.compression ?? 'zstd'])
    .setMaxRowGroupSize(rowGroupSize)
    .build();
}

/** Copy a JS batch into WebAssembly memory; the IPC stream format is the only bridge parquet-wasm has. */
function toWasm(batch: RecordBatch): WasmRecordBatch[] {
  const ipc = RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
  const table = WasmTable.fromIPCStream(ipc);
  try {
    return table.recordBatches();
  } finally {
    table.free();
  }
}

/**
 * Stream `batches` into a Parquet file (ZSTD by default), atomically. Memory is bounded by a row group:
 * parquet-wasm emits each row group as soon as it is full. Every batch is conformed to `schema`; a
 * source that yields nothing still produces a valid file with the schema.
 */
export async function writeParquetFile(
  path: string,
  schema: Schema,
  batches: BatchSource,
  opts: ParquetOptions = {},
): Promise<WrittenFile> {
  if (schema.fields.length === 0) {
    throw new FanoutError(`cannot write ${path}: the schema has no columns`, {
      context: { stage: 'sink', path },
    });
  }
  const props = writerProperties(opts);
  let rows = 0;
  try {
    await writeFileAtomic(path, async (temp) => {
      const source = iterateBatches(batches);
      // An object, not locals: the checks after the pipeline read what the stream callbacks wrote.
      const state: { failed: boolean; error?: unknown; enqueued: boolean } = {
        failed: false,
        enqueued: false,
      };
      const input = new ReadableStream<WasmRecordBatch>({
        async pull(controller) {
          try {
            // Loop until something is enqueued: a pull that enqueues nothing is not called again.
            for (;;) {
              const next = await source.next();
              if (next.done) {
                if (!state.enqueued) for (const wb of toWasm(emptyBatch(schema))) controller.enqueue(wb);
                controller.close();
                return;
              }
              const batch = conformBatch(next.value, schema);
              if (batch.numRows === 0) continue;
              rows += batch.numRows;
              for (const wb of toWasm(batch)) controller.enqueue(wb);
              state.enqueued = true;
              return;
            }
          } catch (err) {
            state.failed = true;
            state.error = err;
            controller.error(err);
          }
        },
        async cancel() {
          await source.return(undefined);
        },
      });
      try {
        // Resolves once the first batch is in; the pull-based input makes the writer ask for it itself.
        // A source failing before that makes it reject with an opaque "Dyn casting error".
        const output = (await transformParquetStream(input, props)) as NodeReadableStream<Uint8Array>;
        await pipeline(Readable.fromWeb(output), createWriteStream(temp, { flags: 'wx' }));
      } catch (err) {
        throw asError(state.failed ? state.error : err);
      } finally {
        // Lets the source release what it holds (e.g. stop paging) when the writer gave up early.
        await source.return(undefined).catch(() => undefined);
      }
      // parquet-wasm finishes a valid-looking file even when its input stream errors: check ourselves.
      if (state.failed) throw asError(state.error);
    });
  } catch (err) {
    throw sinkError(err, 'Parquet file', path);
  }
  const { size } = await stat(path);
  return { path: resolve(path), bytes: size, rows };
}
