import { provenanceSchema } from './provenance-schema.js';
import * as z from 'zod';
import { accountsSchema } from './accounts-schema.js';
import { authSchema } from './auth-schema.js';
import { metricsSchema, scheduleSchema } from './operations-schema.js';
import { SAMPLE_ACCOUNT_ID, accountId, positive, strict, text, whenMissing } from './schema-parts.js';
import { fillPlaceholders } from './placeholders.js';

export { SAMPLE_ACCOUNT_ID } from './schema-parts.js';
export { DEFAULT_DURATION_SECONDS, DEFAULT_SESSION_NAME, type HopParsed } from './auth-schema.js';

const WORKGROUP = /^[\w.-]{1,128}$/;
const QUERY_NAME = /^[A-Za-z0-9_-]+$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** Athena's limit on the query string. */
const MAX_SQL_BYTES = 262_144;

/** Stands in for `<region>` when checking an output location. */
const SAMPLE_REGION = 'eu-west-1';

const s3Location = text((location) => {
  const url = fillPlaceholders(location, { accountId: SAMPLE_ACCOUNT_ID, region: SAMPLE_REGION });
  if (!url.startsWith('s3://')) return 'expected an S3 location like s3://bucket/prefix/';
  const bucket = url.slice('s3://'.length).split('/')[0] ?? '';
  if (!S3_BUCKET.test(bucket)) {
    return 'expected s3://bucket/prefix/ with a valid bucket name (3-63 characters of lowercase letters, digits, "." and "-")';
  }
  if (!url.endsWith('/')) return 'must end with "/": Athena writes results under this prefix';
  return undefined;
});

const workgroup = z
  .string()
  .regex(WORKGROUP, { error: 'expected a workgroup name: 1 to 128 characters of letters, digits and ._-' });
const name = z.string().min(1);

const regionName = z.string().regex(REGION, { error: 'expected an AWS region name like eu-west-1' });
/** Each query runs in every listed region of every account: (account, region) is the unit of work. */
const regions = z
  .array(regionName)
  .min(1, { error: 'needs at least one region, or leave it out to use region' })
  .refine((list) => new Set(list).size === list.length, { error: 'lists a region twice' });

// How results are read: auto = the result CSV from S3 when readable, else GetQueryResults;
// unload = the query wrapped in UNLOAD to Parquet, read back from S3.
const fetchMode = z.enum(['auto', 'api', 's3', 'unload'], { error: 'expected auto, api, s3 or unload' });

// fetch: unload: where the Parquet parts go (default: under the output location) and whether they stay.
const unloadOptions = strict({
  location: s3Location.optional(),
  keep: z.boolean({ error: 'expected true or false' }).optional(),
});

// Per-query execution settings; under `athena:` they are every query's defaults.
const encryption = z.enum(['SSE_S3', 'SSE_KMS', 'CSE_KMS'], { error: 'expected SSE_S3, SSE_KMS or CSE_KMS' });
const executionFields = {
  /** Stop the query (StopQueryExecution) when it runs longer; the unit is then `timed_out`. */
  timeoutSeconds: z
    .number({ error: 'expected seconds > 0' })
    .positive({ error: 'expected seconds > 0' })
    .optional(),
  encryption: encryption.optional(),
  kmsKey: name.optional(),
  /** Athena result reuse: up to 10080 minutes (7 days). */
  resultReuseMinutes: z
    .number({ error: 'expected whole minutes from 1 to 10080' })
    .int({ error: 'expected whole minutes from 1 to 10080' })
    .min(1, { error: 'expected whole minutes from 1 to 10080' })
    .max(10_080, { error: 'expected whole minutes from 1 to 10080' })
    .optional(),
};

/** SSE_KMS and CSE_KMS need the key; SSE_S3 takes none. */
function checkKmsKey(v: { encryption?: string; kmsKey?: string }, ctx: z.core.$RefinementCtx): void {
  const kms = v.encryption === 'SSE_KMS' || v.encryption === 'CSE_KMS';
  if (kms && !v.kmsKey) {
    ctx.addIssue({
      code: 'custom',
      path: ['kmsKey'],
      message: `required with encryption: ${v.encryption} (the KMS key ARN or id)`,
    });
  } else if (!kms && v.kmsKey) {
    ctx.addIssue({ code: 'custom', path: ['kmsKey'], message: 'only with encryption: SSE_KMS or CSE_KMS' });
  }
}

const athenaSchema = strict({
  workgroup: workgroup.default('primary'),
  database: name.optional(),
  catalog: name.optional(),
  outputLocation: s3Location.optional(),
  fetch: fetchMode.default('auto'),
  unload: unloadOptions.optional(),
  // union: incompatible column types across accounts become text with a warning; strict: the query fails.
  schema: z.enum(['union', 'strict'], { error: 'expected union or strict' }).default('union'),
  ...executionFields,
  /** USD per TB scanned, for the manifest's cost estimate. */
  pricePerTB: z
    .number({ error: 'expected a price >= 0' })
    .min(0, { error: 'expected a price >= 0' })
    .default(5),
}).superRefine(checkKmsKey);

const querySchema = strict({
  name: z.string().regex(QUERY_NAME, {
    error: 'expected letters, digits, _ and - only (the name is used in output file names)',
  }),
  sql: text((sql) => {
    if (sql.trim() === '') return 'must not be empty';
    const bytes = Buffer.byteLength(sql, 'utf8');
    return bytes > MAX_SQL_BYTES ? `is ${bytes} bytes; Athena accepts at most ${MAX_SQL_BYTES}` : undefined;
  }),
  workgroup: workgroup.optional(),
  database: name.optional(),
  catalog: name.optional(),
  outputLocation: s3Location.optional(),
  regions: regions.optional(),
  fetch: fetchMode.optional(),
  unload: unloadOptions.optional(),
  schema: z.enum(['union', 'strict'], { error: 'expected union or strict' }).optional(),
  ...executionFields,
  /** Only these accounts (ids) run this query. */
  accounts: z
    .array(accountId)
    .min(1, { error: 'lists no account: leave it out to run everywhere' })
    .optional(),
  /** Values for the SQL's `?` placeholders, sent as ExecutionParameters (templates allowed). */
  parameters: z.array(z.string()).optional(),
}).superRefine(checkKmsKey);

const queriesSchema = z
  .array(querySchema, { error: whenMissing('a list of queries, each { name, sql }') })
  .min(1, { error: 'needs at least one query ({ name, sql })' })
  .superRefine((queries, ctx) => {
    // Names become file names, and some file systems ignore case.
    const seen = new Map<string, number>();
    queries.forEach((query, i) => {
      const first = seen.get(query.name.toLowerCase());
      if (first === undefined) {
        seen.set(query.name.toLowerCase(), i);
        return;
      }
      ctx.addIssue({
        code: 'custom',
        path: [i, 'name'],
        message: `duplicate query name "${query.name}" (also queries.${first}.name): names must be unique, ignoring case, because they name the output files`,
      });
    });
  });

const sinkPath = z.string().min(1, { error: 'expected a file path, e.g. out/{query}.parquet' });

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

const sinksSchema = z
  .array(
    z.discriminatedUnion(
      'type',
      [
        strict({
          type: z.literal('parquet'),
          path: sinkPath,
          compression: z.enum(['zstd', 'snappy', 'gzip', 'none']).default('zstd'),
          rowGroupSize: positive.optional(),
          ifExists,
          layout,
          ...s3Options,
        }),
        strict({ type: z.literal('arrow'), path: sinkPath, ifExists, layout, ...s3Options }),
        strict({ type: z.literal('arrow-stream'), path: sinkPath, ifExists, layout, ...s3Options }),
        strict({ type: z.literal('ndjson'), path: sinkPath, ifExists, layout, ...s3Options }),
      ],
      { error: 'expected type: parquet, arrow, arrow-stream or ndjson' },
    ),
    { error: whenMissing('a list of outputs, e.g. { type: parquet, path: out/{query}.parquet }') },
  )
  .min(1, { error: 'needs at least one sink, e.g. { type: parquet, path: out/{query}.parquet }' });

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
    queries: positive.default(16),
    perAccount: positive.default(2),
    accounts: positive.default(8),
  }).prefault({}),
  retries: strict({
    /** Resubmissions of a query that FAILED with a retryable (or SYSTEM) error. */
    query: z
      .number({ error: 'expected a whole number >= 0' })
      .int()
      .min(0, { error: 'expected a whole number >= 0' })
      .default(2),
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
  sinks: sinksSchema,
  /** Columns naming where each row came from (account_id on by default). */
  provenance: provenanceSchema.prefault({}),
  manifest: z.string().min(1).default('out/manifest.json'),
  schedule: scheduleSchema.optional(),
  metrics: metricsSchema.optional(),
}).superRefine((config, ctx) => {
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
