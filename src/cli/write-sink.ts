import type { RecordBatch, Schema } from 'apache-arrow';
import type { SinkConfig } from '../config/index.js';
import { writeArrowFile, writeNdjsonFile, writeParquetFile, type WrittenFile } from '../sinks/index.js';

/** Writes one sink's file in its format (each writer is atomic: temp file, fsync, rename). */
export function writeSink(
  sink: SinkConfig,
  path: string,
  schema: Schema,
  batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>,
): Promise<WrittenFile> {
  switch (sink.type) {
    case 'parquet':
      return writeParquetFile(path, schema, batches, {
        compression: sink.compression,
        ...(sink.rowGroupSize ? { rowGroupSize: sink.rowGroupSize } : {}),
      });
    case 'arrow':
      return writeArrowFile(path, schema, batches);
    case 'arrow-stream':
      return writeArrowFile(path, schema, batches, 'stream');
    case 'ndjson':
      return writeNdjsonFile(path, schema, batches);
  }
}
