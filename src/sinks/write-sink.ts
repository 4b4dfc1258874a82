import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { RecordBatch, Schema } from 'apache-arrow';
import type { SinkConfig } from '../config/index.js';
import { type S3UploadOptions, uploadFileToS3 } from '../aws/index.js';
import type { WrittenFile } from './sink-types.js';
import { writeArrowFile } from './write-arrow-file.js';
import { writeNdjsonFile } from './write-ndjson-file.js';
import { writeParquetFile } from './write-parquet-file.js';
import { spillArea } from './spill-area.js';

/** The sink's server-side encryption settings for S3 writes. */
export function s3Options(sink: SinkConfig): S3UploadOptions {
  return {
    ...(sink.sse ? { sse: sink.sse } : {}),
    ...(sink.kmsKeyId ? { kmsKeyId: sink.kmsKeyId } : {}),
    ...(sink.bucketKey ? { bucketKey: true } : {}),
  };
}

type Batches = Iterable<RecordBatch> | AsyncIterable<RecordBatch>;

function writeLocal(sink: SinkConfig, path: string, schema: Schema, batches: Batches): Promise<WrittenFile> {
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

/**
 * Writes one sink's file in its format. Local files are atomic (temp file, fsync, rename). An
 * `s3://` destination is first written whole to the run's spill area, then uploaded with a multipart
 * upload that completes only then and is aborted on failure.
 */
export async function writeSink(
  sink: SinkConfig,
  path: string,
  schema: Schema,
  batches: Batches,
  s3?: () => S3Client,
): Promise<WrittenFile> {
  if (!path.startsWith('s3://')) return writeLocal(sink, path, schema, batches);
  if (!s3) throw new Error('internal: an s3:// sink needs an S3 client');
  const local = join(await spillArea(), `upload-${randomBytes(6).toString('hex')}`);
  try {
    const written = await writeLocal(sink, local, schema, batches);
    await uploadFileToS3(s3(), local, path, s3Options(sink));
    return { ...written, path };
  } finally {
    await rm(local, { force: true });
  }
}
