import type { RecordBatch } from 'apache-arrow';

/** What the writers consume: batches already in memory or produced lazily (e.g. while paging results). */
export type BatchSource = Iterable<RecordBatch> | AsyncIterable<RecordBatch>;

export interface ParquetOptions {
  /** Default `zstd`. */
  compression?: 'zstd' | 'snappy' | 'gzip' | 'none';
  /** Maximum rows per row group; also bounds how much the writer buffers. Default 131,072. */
  rowGroupSize?: number;
}

export interface WrittenFile {
  path: string;
  bytes: number;
  rows: number;
}

export async function* iterateBatches(source: BatchSource): AsyncGenerator<RecordBatch, void, undefined> {
  yield* source;
}
