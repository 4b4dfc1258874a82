/**
 * Worker thread of writeParquetFile: Arrow IPC messages in, Parquet (parquet-wasm) out to temp files.
 * Encoding and compression then run on their own core while the main thread reads and builds the
 * next batches. Only external imports: in tests this file runs as TypeScript through Node's type
 * stripping, which does not map our `.js` import suffixes.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { parentPort } from 'node:worker_threads';
import {
  Compression,
  Table,
  WriterPropertiesBuilder,
  transformParquetStream,
  type RecordBatch as WasmRecordBatch,
} from 'parquet-wasm';

export interface ParquetWorkerData {
  temp: string;
  compression: 'zstd' | 'snappy' | 'gzip' | 'none';
  rowGroupSize: number;
}

/**
 * To the worker: a file opens (`{ open }`), then its batches as Arrow IPC messages, then null ends it.
 * One worker writes files one after another, so that a run with many outputs starts it (and loads
 * parquet-wasm) once.
 */
export type ParquetWorkerMessage = { open: ParquetWorkerData } | Uint8Array | null;

/** From the worker: a batch was taken (the main thread may send another), the file is done, or failed. */
export type ParquetWorkerReply = { type: 'consumed' } | { type: 'done' } | { type: 'error'; message: string };

const CODECS = {
  zstd: Compression.ZSTD,
  snappy: Compression.SNAPPY,
  gzip: Compression.GZIP,
  none: Compression.UNCOMPRESSED,
};

async function run(port: NonNullable<typeof parentPort>): Promise<void> {
  const queue: ParquetWorkerMessage[] = [];
  let wake: (() => void) | undefined;
  port.on('message', (message: ParquetWorkerMessage) => {
    queue.push(message);
    wake?.();
  });
  const next = async (): Promise<ParquetWorkerMessage> => {
    while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    return queue.shift()!;
  };
  for (;;) {
    const open = await next();
    // After a failure the main thread stops this worker; anything but an open is a protocol error.
    if (open === null || open instanceof Uint8Array) {
      port.postMessage({
        type: 'error',
        message: 'internal: expected a file to open',
      } satisfies ParquetWorkerReply);
      continue;
    }
    await writeFile(port, open.open, next);
  }
}

async function writeFile(
  port: NonNullable<typeof parentPort>,
  data: ParquetWorkerData,
  next: () => Promise<ParquetWorkerMessage>,
): Promise<void> {
  const input = new ReadableStream<WasmRecordBatch>({
    async pull(controller) {
      const ipc = await next();
      if (ipc === null) {
        controller.close();
        return;
      }
      if (!(ipc instanceof Uint8Array)) throw new Error('internal: a file opened before the last ended');
      const table = Table.fromIPCStream(ipc);
      // Copied into WebAssembly memory: free it now, not at the next full GC, which V8 only runs once
      // some 64 MiB more of such memory is held (that much more peak RSS). Nothing else views it.
      (ipc.buffer as ArrayBuffer & { transfer(length: number): ArrayBuffer }).transfer(0);
      try {
        for (const batch of table.recordBatches()) controller.enqueue(batch);
      } finally {
        table.free();
      }
      port.postMessage({ type: 'consumed' } satisfies ParquetWorkerReply);
    },
  });
  // No dictionary encoding: parquet-wasm hashes every value of every column to try one, which makes
  // encoding several times slower, and ZSTD then makes the files larger, not smaller (BENCHMARKS.md).
  const props = new WriterPropertiesBuilder()
    .setDictionaryEnabled(false)
    .setCompression(CODECS[data.compression])
    .setMaxRowGroupSize(data.rowGroupSize)
    .build();
  try {
    const output = (await transformParquetStream(input, props)) as NodeReadableStream<Uint8Array>;
    await pipeline(Readable.fromWeb(output), createWriteStream(data.temp, { flags: 'wx' }));
    port.postMessage({ type: 'done' } satisfies ParquetWorkerReply);
  } catch (err) {
    port.postMessage({
      type: 'error',
      message: err instanceof Error ? err.message : String(err),
    } satisfies ParquetWorkerReply);
  }
}

if (parentPort) await run(parentPort);
