import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { catalogFields, PER_ACCOUNT_FIELDS } from './scenario-catalog.js';

/**
 * The emulator's world: one AWS Organization, its accounts, the credentials a client may start from, the
 * roles it may assume, the data every account's Athena sees, and knobs that make AWS misbehave on purpose.
 * The format is documented in emulator/README.md.
 */

const ACCOUNT_ID_HINT = 'must be a 12-digit account id in quotes, e.g. "111111111111"';
const accountId = z.string({ error: ACCOUNT_ID_HINT }).regex(/^\d{12}$/, ACCOUNT_ID_HINT);
const arn = z.string().regex(/^arn:aws[\w-]*:[\w-]+:[\w-]*:(\d{12}|<accountId>)?:.+$/, 'must be an ARN');

const accountSchema = z.object({
  id: accountId,
  name: z.string().min(1),
  email: z.string().min(3),
  state: z.enum(['PENDING_ACTIVATION', 'ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']).default('ACTIVE'),
  ou: z
    .string()
    .regex(/^Root(\/[^/]+)*$/, 'must be an OU path starting at Root, e.g. Root/Prod')
    .default('Root'),
  tags: z.record(z.string(), z.string()).default({}),
  joinedMethod: z.enum(['CREATED', 'INVITED']).default('CREATED'),
});

const identitySchema = z.object({
  accessKeyId: z.string().min(16),
  secretAccessKey: z.string().min(1),
  /** An IAM user/root ARN, or an assumed-role session ARN (then it behaves as role credentials). */
  arn,
  sessionToken: z.string().optional(),
  /** A virtual MFA device of this identity: AssumeRole with SerialNumber must send exactly this code. */
  mfa: z.object({ serialNumber: z.string().min(9), code: z.string().regex(/^\d{6}$/) }).optional(),
});

const roleSchema = z.object({
  arn: arn.refine(
    (a) => /^arn:aws[\w-]*:iam::(\d{12}|<accountId>):role\/.+$/.test(a),
    'must be an IAM role ARN',
  ),
  trust: z.array(z.string()).min(1),
  externalId: z.string().optional(),
  maxSessionDuration: z.number().int().min(3600).max(43200).default(3600),
  permissions: z
    .array(z.enum(['sts', 'organizations', 'athena', 's3', 'sns', 'glue', 'kms', 'lakeformation']))
    .optional(),
  deny: z.array(accountId).default([]),
  /** The trust policy's aws:MultiFactorAuthPresent condition: AssumeRole must carry a valid MFA code. */
  requireMfa: z.boolean().default(false),
});

/**
 * Identity providers for AssumeRoleWithWebIdentity (OIDC: the tokens it accepts) and AssumeRoleWithSAML
 * (the base64 assertions it accepts). A role trusts one by listing the provider ARN in `trust`.
 */
const federationSchema = z.object({
  oidc: z
    .array(
      z.object({
        provider: arn,
        tokens: z.array(z.string().min(4)).min(1),
        subject: z.string().default('system:serviceaccount:default:fanout'),
      }),
    )
    .default([]),
  saml: z
    .array(
      z.object({
        provider: arn,
        assertions: z.array(z.string().min(4)).min(1),
        subject: z.string().default('user@example.com'),
      }),
    )
    .default([]),
});

/**
 * An SNS topic Publish may reach. Principals of the topic's account may publish; others only when
 * `allow` names them (the topic policy: principal ARNs, a role ARN matching its sessions,
 * `arn:aws:iam::ACCT:root`, `*`). `deny` refuses these exact caller ARNs even from the same account.
 */
const topicSchema = z.object({
  arn: z.string().regex(/^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, 'must be an SNS topic ARN'),
  allow: z.array(z.string()).default([]),
  deny: z.array(z.string()).default([]),
});

const failQuerySchema = z.object({
  match: z.string().min(1),
  message: z.string().default('GENERIC_INTERNAL_ERROR: injected failure'),
  category: z.number().int().min(1).max(3).default(2),
  errorType: z.number().int().default(1006),
  retryable: z.boolean().default(false),
  /** Only the first `times` matching queries fail (then they succeed); absent = always. */
  times: z.number().int().positive().optional(),
  /** Only in these accounts; absent = every account. */
  accounts: z.array(accountId).optional(),
});

const knobsSchema = z.object({
  queryLatencyMs: z.number().int().min(0).default(300),
  credentialLifetimeSeconds: z.number().int().min(0).default(0),
  throttle: z
    .object({
      rate: z.number().min(0).max(1).default(0),
      /** Action names (e.g. StartQueryExecution); empty = every action. */
      actions: z.array(z.string()).default([]),
      seed: z.number().int().default(1),
    })
    .default({ rate: 0, actions: [], seed: 1 }),
  failQueries: z.array(failQuerySchema).default([]),
  /** Queries whose SQL contains `match` (case-insensitive) take `latencyMs` instead of queryLatencyMs. */
  slowQueries: z
    .array(z.object({ match: z.string().min(1), latencyMs: z.number().int().min(0) }))
    .default([]),
  maxConcurrentQueriesPerAccount: z.number().int().min(0).default(0),
  /** These actions (e.g. GetQueryResults, GetObject) answer only after this many milliseconds. */
  actionLatencyMs: z.record(z.string(), z.number().int().min(0)).default({}),
  /** StopQueryExecution answers only after this long (the query is cancelled at once). */
  stopLatencyMs: z.number().int().min(0).default(0),
  /** Benchmarks: no DuckDB at all; every query answers one row (x integer = 1). */
  fixedResults: z.boolean().default(false),
  /** UNLOAD writes a Parquet part per about this many rows (DuckDB rounds up to 2,048-row groups). */
  unloadPartRows: z.number().int().min(1).default(100_000),
  /** Organizations list calls return empty pages with a NextToken, as the real service does. */
  emptyPages: z.boolean().default(true),
  /**
   * S3 requests that fail: the first rule whose action matches and whose `match` is a substring of
   * the key answers with the error (every time, or only the first `times` matches).
   */
  failS3: z
    .array(
      z.object({
        action: z.string().min(1),
        match: z.string().default(''),
        code: z.string().default('InternalError'),
        message: z.string().default('We encountered an internal error. Please try again.'),
        status: z.number().int().min(400).max(599).default(500),
        times: z.number().int().positive().optional(),
        /** Only GETs whose Range header starts with this (e.g. `bytes=8388608-`). */
        range: z.string().optional(),
        /** Instead of an error: send the headers and half the body, then close the connection. */
        truncate: z.boolean().default(false),
      }),
    )
    .default([]),
  /**
   * ListTagsForResource of these accounts fails as AWS fails it: `AccessDenied` (a policy denies the
   * caller this account's tags) or `Removed` (the account left the organization after it was listed).
   */
  failTagReads: z
    .array(z.object({ account: accountId, error: z.enum(['AccessDenied', 'Removed']) }))
    .default([]),
  /**
   * Fractional digits printed for DuckDB's microsecond TIMESTAMP / TIMESTAMPTZ values: 3 is Athena's
   * timestamp(3), 6 models Iceberg timestamp(6) columns. ColumnInfo keeps saying Precision 3.
   */
  timestampDigits: z.number().int().min(0).max(9).default(3),
  /**
   * Athena also uses the output location as the caller: s3:GetBucketLocation on the bucket at
   * StartQueryExecution, s3:PutObject (and kms:GenerateDataKey for SSE_KMS) when writing results.
   * Off by default: a role's coarse `permissions:` cannot tell the results bucket from a data bucket.
   */
  checkResultsAccess: z.boolean().default(false),
  /** Output location of the `primary` workgroup; `{accountId}` substituted. Absent = none, like AWS. */
  primaryOutputLocation: z
    .string()
    .regex(/^s3:\/\/[^/]+\/.*$/, 'must be an s3://bucket/prefix/ URI')
    .optional(),
});

const scenarioSchema = z
  .object({
    organization: z.object({
      id: z.string().regex(/^o-[a-z0-9]{10,32}$/, 'must look like o-exampleorg01'),
      managementAccountId: accountId,
      delegatedAdmins: z.array(accountId).default([]),
    }),
    accounts: z.array(accountSchema).min(1),
    identities: z.array(identitySchema).min(1),
    roles: z.array(roleSchema).default([]),
    data: z.record(z.string(), z.array(z.string())).default({}),
    ...catalogFields,
    federation: federationSchema.default({ oidc: [], saml: [] }),
    topics: z.array(topicSchema).default([]),
    knobs: knobsSchema.default(knobsSchema.parse({})),
  })
  .superRefine((s, ctx) => {
    const ids = new Set<string>();
    for (const a of s.accounts) {
      if (ids.has(a.id))
        ctx.addIssue({ code: 'custom', message: `duplicate account ${a.id}`, path: ['accounts'] });
      ids.add(a.id);
    }
    if (!ids.has(s.organization.managementAccountId)) {
      ctx.addIssue({
        code: 'custom',
        message: `management account ${s.organization.managementAccountId} is not in accounts`,
        path: ['organization', 'managementAccountId'],
      });
    }
    for (const field of PER_ACCOUNT_FIELDS) {
      for (const key of Object.keys(s[field])) {
        if (key !== 'all' && !ids.has(key)) {
          ctx.addIssue({
            code: 'custom',
            message: `${field} key ${key} is neither "all" nor an account id`,
            path: [field],
          });
        }
      }
    }
  });

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioAccount = Scenario['accounts'][number];
export type ScenarioRole = Scenario['roles'][number];
export type FailQuery = Scenario['knobs']['failQueries'][number];
export type FailS3 = Scenario['knobs']['failS3'][number];

/** Merges a child scenario over its base: lists are appended, objects merged key by key, scalars replaced. */
function merge(base: unknown, child: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(child)) return [...(base as unknown[]), ...(child as unknown[])];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(base) && isObject(child)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(child)) out[k] = k in base ? merge(base[k], v) : v;
    return out;
  }
  return child;
}

async function readScenarioFile(path: string, seen: readonly string[]): Promise<unknown> {
  if (seen.includes(path)) throw new Error(`scenario ${path} extends itself through ${seen.join(' -> ')}`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read scenario file ${path}: ${(err as Error).message}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`scenario file ${path} is not valid YAML/JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (raw !== null && typeof raw === 'object' && 'extends' in raw) {
    const { extends: parent, ...rest } = raw as Record<string, unknown>;
    if (typeof parent !== 'string') throw new Error(`scenario file ${path}: extends must be a file path`);
    const base = await readScenarioFile(resolve(dirname(path), parent), [...seen, path]);
    return merge(base, rest);
  }
  return raw;
}

/**
 * Validates a scenario given as a YAML/JSON file path or as an object; errors name the offending field.
 * A file may say `extends: other.yaml` (relative to itself) to build on another scenario.
 */
export async function loadScenario(input: string | object): Promise<Scenario> {
  const source = typeof input === 'string' ? input : 'scenario object';
  const raw = typeof input === 'string' ? await readScenarioFile(resolve(input), []) : input;
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid scenario (${source}):\n${lines.join('\n')}`);
  }
  return parsed.data;
}
