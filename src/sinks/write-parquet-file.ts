import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { RecordBatch, RecordBatchStreamWriter, type Schema } from 'apache-arrow';
import { FanoutError } from '../errors.js';
import { conformBatch } from './conform-batch.js';
import { emptyBatch } from './empty-batch.js';
import type { ParquetWorkerData, ParquetWorkerMessage, ParquetWorkerReply } from './parquet-worker.js';
import { iterateBatches, type BatchSource, type ParquetOptions, type WrittenFile } from './sink-types.js';
import { sinkError } from './sink-error.js';
import { writeFileAtomic } from './write-file-atomic.js';

export const DEFAULT_ROW_GROUP_SIZE = 131_072;

// Batches sent to the encoder but not yet taken: enough to keep both threads busy, little memory.
const MAX_IN_FLIGHT = 2;

// Compiled: parquet-worker.js beside this file. Under vitest this module is TypeScript and so is the worker.
const WORKER_URL = new URL(
  `./parquet-worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`,
  import.meta.url,
);

// Batches smaller than this are gathered into one message up to this size: a thousand one-row
// results cost one hand-over to the encoder rather than a thousand (each a schema, a copy, a reply).
const GATHER_BYTES = 1024 * 1024;

function ipcOf(batches: RecordBatch[]): Uint8Array {
  return RecordBatchStreamWriter.writeAll(batches).toUint8Array(true);
}

// A worker whose last file is done, kept (unreferenced: it never holds the process open) for the next
// file: a run writing one file per query starts the thread and loads parquet-wasm once.
let idle: Worker | undefined;

function takeWorker(): Worker {
  let worker = idle;
  idle = undefined;
  if (!worker) {
    const created = new Worker(WORKER_URL);
    // A thread that dies while idle is not handed out again.
    created.on('exit', () => {
      if (idle === created) idle = undefined;
    });
    worker = created;
  }
  worker.ref();
  return worker;
}

function giveBack(worker: Worker): void {
  if (idle) {
    void worker.terminate();
    return;
  }
  worker.unref();
  idle = worker;
}

/** One file on an encoder thread, with a credit count for backpressure. */
class ParquetEncoder {
  private readonly worker: Worker;
  private inFlight = 0;
  private finished: Promise<void>;
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  private readonly detach: () => void;

  constructor(data: ParquetWorkerData) {
    this.worker = takeWorker();
    let onMessage!: (reply: ParquetWorkerReply) => void;
    let onError!: (err: Error) => void;
    let onExit!: (code: number) => void;
    this.finished = new Promise<void>((resolveDone, reject) => {
      onMessage = (reply) => {
        if (reply.type === 'consumed') {
          this.inFlight--;
          this.waiter?.();
        } else if (reply.type === 'done') resolveDone();
        else this.fail(new Error(reply.message), reject);
      };
      onError = (err) => {
        this.fail(err, reject);
      };
      onExit = (code) => {
        this.fail(new Error(`Parquet encoder exited with code ${code}`), reject);
      };
    });
    this.worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    this.detach = () => {
      this.worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    // Rejections are read through send()/end(); never leave this one unhandled.
    this.finished.catch(() => undefined);
    this.worker.postMessage({ open: data } satisfies ParquetWorkerMessage);
  }

  private fail(err: Error, reject: (e: Error) => void): void {
    this.failure ??= err;
    this.waiter?.();
    reject(this.failure);
  }

  /** A method, not a field read: the flow analysis would keep a field narrowed across the awaits. */
  private failed(): Error | undefined {
    return this.failure;
  }

  async send(ipc: Uint8Array): Promise<void> {
    this.throwIfFailed();
    this.inFlight++;
    this.worker.postMessage(ipc, [ipc.buffer as ArrayBuffer]);
    while (this.inFlight >= MAX_IN_FLIGHT && !this.failed()) {
      await new Promise<void>((r) => (this.waiter = r));
      this.waiter = undefined;
    }
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    const failure = this.failed();
    if (failure) throw failure;
  }

  /** Ends the file; the thread goes back for the next file only when this one was written cleanly. */
  async end(): Promise<void> {
    this.worker.postMessage(null satisfies ParquetWorkerMessage);
    try {
      await this.finished;
    } catch (err) {
      this.detach();
      await this.worker.terminate();
      throw err;
    }
    this.detach();
    giveBack(this.worker);
  }

  async abort(): Promise<void> {
    this.detach();
    await this.worker.terminate();
  }
}

/**
 * Stream `batches` into a Parquet file (ZSTD by default), atomically. parquet-wasm encodes on a worker
 * thread while this thread produces the next batches; memory is bounded by a row group plus two
 * messages in flight (a batch, or small batches gathered up to 1 MiB). Every batch is conformed to `schema`; a source that yields nothing still produces
 * a valid file with the schema.
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
  const rowGroupSize = opts.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) {
    throw new FanoutError(`rowGroupSize must be a positive integer, got ${rowGroupSize}`, {
      context: { stage: 'sink' },
    });
  }
  let rows = 0;
  try {
    await writeFileAtomic(path, async (temp) => {
      const encoder = new ParquetEncoder({ temp, compression: opts.compression ?? 'zstd', rowGroupSize });
      const source = iterateBatches(batches);
      try {
        let gathered: RecordBatch[] = [];
        let gatheredBytes = 0;
        const flush = async () => {
          if (gathered.length === 0) return;
          const ipc = ipcOf(gathered);
          gathered = [];
          gatheredBytes = 0;
          await encoder.send(ipc);
        };
        for await (const batch of source) {
          const conformed = conformBatch(batch, schema);
          if (conformed.numRows === 0) continue;
          rows += conformed.numRows;
          const bytes = conformed.data.byteLength;
          if (gatheredBytes + bytes > GATHER_BYTES) await flush();
          // One schema object for the whole message, so that the IPC writer never compares schemas
          // (a batch it judged different would end the stream, and the worker would miss the rest).
          gathered.push(conformed.schema === schema ? conformed : new RecordBatch(schema, conformed.data));
          gatheredBytes += bytes;
          if (gatheredBytes >= GATHER_BYTES) await flush();
        }
        await flush();
        // Every batch sent had rows: none means an empty file, which still needs the schema.
        if (rows === 0) await encoder.send(ipcOf([emptyBatch(schema)]));
        await encoder.end();
      } catch (err) {
        await encoder.abort();
        // Lets the source release what it holds (e.g. stop paging) when the writer gave up early.
        await source.return(undefined).catch(() => undefined);
        throw err;
      }
    });
  } catch (err) {
    throw sinkError(err, 'Parquet file', path);
  }
  const { size } = await stat(path);
  return { path: resolve(path), bytes: size, rows };
}
