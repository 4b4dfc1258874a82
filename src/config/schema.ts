import * as z from 'zod';
import { accountsSchema } from './accounts-schema.js';
import { authSchema } from './auth-schema.js';
import { iamSchema } from './iam-schema.js';
import { notifySchema } from './notify-schema.js';
import { checkOverrides, overridesSchema } from './overrides-schema.js';
import { metricsSchema, scheduleSchema } from './operations-schema.js';
import { provenanceSchema } from './provenance-schema.js';
import { athenaSchema, queriesSchema } from './queries-schema.js';
import { regionName, regions } from './region-schema.js';
import { MAX_CONCURRENCY, MAX_RETRIES, count, strict, wholeNumber } from './schema-parts.js';
import { sinksSchema } from './sinks-schema.js';
import { manifestLocation } from './manifest-location.js';

export { SAMPLE_ACCOUNT_ID } from './schema-parts.js';
export { DEFAULT_DURATION_SECONDS, DEFAULT_SESSION_NAME, type HopParsed } from './auth-schema.js';
export { REGION } from './region-schema.js';

/** The v1 configuration file, as written (before interpolation results are normalised). */
export const pipelineConfigSchema = strict({
  version: z.literal(1, {
    error: (iss) =>
      iss.input === undefined
        ? 'required: add "version: 1" at the top of the file'
        : 'unsupported version: this athena-fanout reads version: 1',
  }),
  region: regionName.optional(),
  regions: regions.optional(),
  auth: authSchema,
  accounts: accountsSchema.prefault({}),
  athena: athenaSchema.prefault({}),
  concurrency: strict({
    queries: count(MAX_CONCURRENCY).default(16),
    perAccount: count(MAX_CONCURRENCY).default(2),
    accounts: count(MAX_CONCURRENCY).default(8),
  }).prefault({}),
  retries: strict({
    /** Resubmissions of a query that FAILED with a retryable (or SYSTEM) error. */
    query: wholeNumber(0, MAX_RETRIES, `expected a whole number from 0 to ${MAX_RETRIES}`).default(2),
  }).prefault({}),
  /** Stop everything at the first failed unit (default: one account's failure never stops the others). */
  failFast: z.boolean().default(false),
  /** User variables for SQL templates: {{vars.NAME}}. */
  vars: z
    .record(
      z.string().regex(/^[A-Za-z_]\w*$/, { error: 'expected a name of letters, digits and _' }),
      z.union([z.string(), z.number(), z.boolean()]).transform(String),
    )
    .default({}),
  queries: queriesSchema,
  /** Settings that differ by account (matched by id, OU or tag, or filled from tags), later wins. */
  overrides: overridesSchema,
  sinks: sinksSchema,
  /** Columns naming where each row came from (account_id on by default). */
  provenance: provenanceSchema.prefault({}),
  /** A local file, or an s3://bucket/key.json object (shards without a shared disk). */
  manifest: manifestLocation.default('out/manifest.json'),
  schedule: scheduleSchema.optional(),
  metrics: metricsSchema.optional(),
  /** Alerts sent after the manifest is written (never failing the run). */
  notify: notifySchema.default([]),
  /** What `iam-policy` can't read from the rest of the config: data locations, KMS keys. */
  iam: iamSchema.optional(),
}).superRefine((config, ctx) => {
  checkOverrides(config, ctx);
  const seen = new Map<string, number>();
  config.sinks.forEach((sink, i) => {
    // A partitioned dataset puts each query under query=<name>/ itself.
    if (config.queries.length > 1 && sink.layout !== 'partitioned' && !sink.path.includes('{query}')) {
      ctx.addIssue({
        code: 'custom',
        path: ['sinks', i, 'path'],
        message: `must contain {query} when there are ${config.queries.length} queries, or they would all write the same file`,
      });
    }
    if (sink.sse === 'AES256') {
      for (const key of ['kmsKeyId', 'bucketKey'] as const) {
        if (sink[key] === undefined) continue;
        ctx.addIssue({
          code: 'custom',
          path: ['sinks', i, key],
          message: 'only with sse: aws:kms (or without sse); S3 refuses a KMS key or bucket key with AES256',
        });
      }
    }
    const first = seen.get(sink.path);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['sinks', i, 'path'],
        message: `same path as sinks.${first}.path`,
      });
    } else {
      seen.set(sink.path, i);
    }
  });
});

export type PipelineConfigInput = z.input<typeof pipelineConfigSchema>;
export type PipelineConfigParsed = z.output<typeof pipelineConfigSchema>;
