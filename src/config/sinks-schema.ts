import * as z from 'zod';
import { datasetModeFields, datasetModeIssues } from './incremental-schema.js';
import { MAX_ROW_GROUP_SIZE, count, sinkPath, strict, whenMissing } from './schema-parts.js';

// What a run does when a sink's file is already there: replace it atomically, fail that output, or keep it.
const ifExists = z
  .enum(['overwrite', 'error', 'skip'], { error: 'expected overwrite, error or skip' })
  .default('overwrite');

// merged: one file per query; partitioned: a hive-style directory per query, one part per account.
const layout = z
  .enum(['merged', 'partitioned'], { error: 'expected merged or partitioned' })
  .default('merged');

// For s3:// paths: server-side encryption of the uploaded objects.
const s3Options = {
  sse: z.enum(['AES256', 'aws:kms'], { error: 'expected AES256 or aws:kms' }).optional(),
  kmsKeyId: z.string().min(1).optional(),
  /** S3 Bucket Key with SSE-KMS (implies aws:kms). */
  bucketKey: z.boolean().optional(),
};

// Every type's options: S3 encryption and, for partitioned sinks, replace or append.
const sinkOptions = { ...datasetModeFields, ...s3Options };

const GLUE_NAME = /^[a-z0-9_]{1,255}$/;
const glueName = (what: string) =>
  z.string().regex(GLUE_NAME, { error: `expected a Glue ${what} name: 1-255 of a-z 0-9 _ (Athena's rule)` });

/**
 * A `layout: partitioned` Parquet dataset on S3 registered as a Glue table after the run's outputs are
 * written. The catalog calls go through the master chain (base credentials without one), or through
 * the account chain of `accountId` (the account that owns the bucket).
 */
const register = strict({
  database: glueName('database'),
  table: glueName('table'),
  accountId: z
    .string()
    .regex(/^\d{12}$/, { error: 'expected a 12-digit account id' })
    .optional(),
});

export const sinksSchema = z
  .array(
    z.discriminatedUnion(
      'type',
      [
        strict({
          type: z.literal('parquet'),
          path: sinkPath,
          compression: z.enum(['zstd', 'snappy', 'gzip', 'none']).default('zstd'),
          rowGroupSize: count(MAX_ROW_GROUP_SIZE).optional(),
          ifExists,
          layout,
          ...sinkOptions,
          register: register.optional(),
        }).superRefine((sink, ctx) => {
          if (!sink.register) return;
          if (sink.layout !== 'partitioned')
            ctx.addIssue({ code: 'custom', path: ['register'], message: 'needs layout: partitioned' });
          if (!sink.path.startsWith('s3://'))
            ctx.addIssue({ code: 'custom', path: ['register'], message: 'needs an s3:// path' });
          // The table's partitions are the accounts; an append dataset adds a run level above them.
          if (sink.mode === 'append')
            ctx.addIssue({ code: 'custom', path: ['register'], message: 'not yet with mode: append' });
        }),
        strict({ type: z.literal('arrow'), path: sinkPath, ifExists, layout, ...sinkOptions }),
        strict({ type: z.literal('arrow-stream'), path: sinkPath, ifExists, layout, ...sinkOptions }),
        strict({ type: z.literal('ndjson'), path: sinkPath, ifExists, layout, ...sinkOptions }),
      ],
      { error: 'expected type: parquet, arrow, arrow-stream or ndjson' },
    ),
    { error: whenMissing('a list of outputs, e.g. { type: parquet, path: out/{query}.parquet }') },
  )
  .min(1, { error: 'needs at least one sink, e.g. { type: parquet, path: out/{query}.parquet }' })
  .superRefine((sinks, ctx) => {
    sinks.forEach((sink, i) => {
      for (const { key, message } of datasetModeIssues(sink)) {
        ctx.addIssue({ code: 'custom', path: [i, key], message });
      }
    });
  });
