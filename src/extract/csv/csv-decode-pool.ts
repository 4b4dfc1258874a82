import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Schema, Table, tableToIPC } from 'apache-arrow';
import type { CsvJobMessage, CsvTaskMessage, CsvTaskReply } from './csv-decode-task.js';
import type { ExtraColumn } from '../columns/schema-for-columns.js';

// Compiled: csv-decode-worker.js beside this file. Under vitest this module is TypeScript and so is the worker.
const WORKER_URL = new URL(
  `./csv-decode-worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`,
  import.meta.url,
);

interface Pending {
  msg: CsvTaskMessage;
  resolve: (reply: CsvTaskReply) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | undefined;
  /** Settles when the worker has loaded its code. */
  ready: Promise<void>;
}

/**
 * Worker threads that parse pieces of result CSV and build their Arrow batches, shared by every result
 * of a run: at most `size` pieces are decoded at once, the rest wait in order. The default is the cores
 * but one (at least one): the Parquet encoder thread and the main thread (splitting the file, handing
 * batches over) keep the remaining core busy, and on 2 cores a second worker made conversion slower,
 * not faster (bench/throughput; BENCHMARKS.md).
 * Workers start on first use (or `start`) and are ref'd only while they start or work, so an idle
 * pool never keeps the process alive; `close` terminates them. Callers bound how many pieces they queue.
 */
export class CsvDecodePool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextTask = 0;
  private nextJob = 0;
  private closed = false;

  constructor(size = availableParallelism() - 1) {
    this.size = Math.max(1, Math.floor(size));
  }

  /** Registers one result file's decoding: its schema, header names and constant columns. */
  job(schema: Schema, names: readonly string[], extra: readonly ExtraColumn[]): CsvJobMessage {
    return {
      id: this.nextJob++,
      schema: tableToIPC(new Table(schema)),
      names: [...names],
      extra: [...extra],
    };
  }

  /** Decodes `piece` (moved to the worker: the caller must not use it again). */
  decode(job: CsvJobMessage, piece: Buffer, header: boolean): Promise<CsvTaskReply> {
    if (this.closed) return Promise.reject(new Error('the CSV decoding pool is closed'));
    return new Promise<CsvTaskReply>((resolve, reject) => {
      this.queue.push({ msg: { task: this.nextTask++, job, piece, header }, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Starts every worker now rather than on first use, resolving when all have loaded (a run leaves
   * them to start with its first result file of POOL_MIN_BYTES or more; tests and benches call it).
   */
  async start(): Promise<void> {
    while (!this.closed && this.spawn());
    await Promise.all(this.slots.map((s) => s.ready));
  }

  /** Stops every worker; queued and running decodes fail. */
  async close(): Promise<void> {
    this.closed = true;
    const err = new Error('the CSV decoding pool was closed');
    for (const p of this.queue.splice(0)) p.reject(err);
    const slots = this.slots.splice(0);
    for (const s of slots) s.busy?.reject(err);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => !s.busy) ?? this.spawn();
      if (!slot) return;
      const pending = this.queue.shift()!;
      slot.busy = pending;
      slot.worker.ref();
      const { piece } = pending.msg;
      slot.worker.postMessage(pending.msg, [piece.buffer as ArrayBuffer]);
    }
  }

  private spawn(): Slot | undefined {
    if (this.slots.length >= this.size) return undefined;
    // The workers allocate large typed arrays (outside the V8 heap) and few small objects: a small
    // young generation costs no time and lowers peak RSS (bench/throughput).
    const worker = new Worker(WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    let loaded: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (loaded = resolve));
    const slot: Slot = { worker, busy: undefined, ready };
    slot.worker.on('message', (reply: CsvTaskReply | 'ready') => {
      if (reply === 'ready') {
        if (!slot.busy) slot.worker.unref();
        loaded();
        return;
      }
      const pending = slot.busy;
      slot.busy = undefined;
      slot.worker.unref();
      pending?.resolve(reply);
      this.dispatch();
    });
    const lost = (err: Error) => {
      loaded();
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      slot.busy?.reject(err);
      slot.busy = undefined;
      if (!this.closed) this.dispatch();
    };
    slot.worker.on('error', lost);
    slot.worker.on('exit', (code) => {
      lost(new Error(`a CSV decoding worker exited with code ${code}`));
    });
    this.slots.push(slot);
    return slot;
  }
}
