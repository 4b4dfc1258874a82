import * as z from 'zod';
import { fillPlaceholders } from './placeholders.js';
import { checkIncremental, incrementalSchema } from './incremental-schema.js';
import { misplacedMarkers } from './sql-template.js';
import { regions } from './region-schema.js';
import {
  S3_BUCKET,
  SAMPLE_ACCOUNT_ID,
  accountId,
  queryTimeoutSeconds,
  strict,
  text,
  whenMissing,
} from './schema-parts.js';

// `athena:` and each of `queries:`: a query takes the same settings, `athena:` giving their defaults.

const WORKGROUP = /^[\w.-]{1,128}$/;
const QUERY_NAME = /^[A-Za-z0-9_-]+$/;
/** Athena's limit on the query string. */
const MAX_SQL_BYTES = 262_144;

/** Stands in for `<region>` when checking an output location. */
const SAMPLE_REGION = 'eu-west-1';

export const s3Location = text((location) => {
  const url = fillPlaceholders(location, { accountId: SAMPLE_ACCOUNT_ID, region: SAMPLE_REGION });
  if (!url.startsWith('s3://')) return 'expected an S3 location like s3://bucket/prefix/';
  const bucket = url.slice('s3://'.length).split('/')[0] ?? '';
  if (!S3_BUCKET.test(bucket)) {
    return 'expected s3://bucket/prefix/ with a valid bucket name (3-63 characters of lowercase letters, digits, "." and "-")';
  }
  if (!url.endsWith('/')) return 'must end with "/": Athena writes results under this prefix';
  return undefined;
});

export const workgroup = z
  .string()
  .regex(WORKGROUP, { error: 'expected a workgroup name: 1 to 128 characters of letters, digits and ._-' });
export const name = z.string().min(1);

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
  timeoutSeconds: queryTimeoutSeconds.optional(),
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

export const athenaSchema = strict({
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
    .number({ error: 'expected a price from 0 to 1000' })
    .min(0, { error: 'expected a price from 0 to 1000' })
    .max(1000, { error: 'expected a price from 0 to 1000' })
    .default(5),
}).superRefine(checkKmsKey);

const querySchema = strict({
  name: z.string().regex(QUERY_NAME, {
    error: 'expected letters, digits, _ and - only (the name is used in output file names)',
  }),
  sql: text((sql) => {
    if (sql.trim() === '') return 'must not be empty';
    const bytes = Buffer.byteLength(sql, 'utf8');
    if (bytes > MAX_SQL_BYTES) return `is ${bytes} bytes; Athena accepts at most ${MAX_SQL_BYTES}`;
    return misplacedMarkers(sql);
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
  parameters: z.array(text(misplacedMarkers)).optional(),
  /** `{{since}}` / `{{until}}`: the window since the last run that succeeded for the unit. */
  incremental: incrementalSchema.optional(),
})
  .superRefine(checkKmsKey)
  .superRefine(checkIncremental);

export const queriesSchema = z
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
