import * as z from 'zod';
import {
  ACCOUNT_ID,
  ROLE_ARN,
  SESSION_NAME,
  hasAccountPlaceholder,
  substituteAccountId,
} from '../auth-chain/role-hop.js';
import { KEY_MESSAGE_SEPARATOR, unknownKeyMessage } from './messages.js';

/** Stands in for a member account when checking values that may contain `<accountId>`. */
export const SAMPLE_ACCOUNT_ID = '123456789012';

export const DEFAULT_SESSION_NAME = 'athena-fanout';
export const DEFAULT_DURATION_SECONDS = 3600;

const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const WORKGROUP = /^[\w.-]{1,128}$/;
const QUERY_NAME = /^[A-Za-z0-9_-]+$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** Athena's limit on the query string. */
const MAX_SQL_BYTES = 262_144;

/** A strict mapping whose unknown keys are each reported with the keys allowed there. */
function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? iss.keys.map((key) => unknownKeyMessage(key, allowed)).join(KEY_MESSAGE_SEPARATOR)
        : undefined,
  });
}

/** Text that must pass `check`, which returns what is wrong or undefined. */
function text(check: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

function wholeNumber(min: number, max: number | undefined, message: string) {
  const base = z.number({ error: message }).int({ error: message }).min(min, { error: message });
  return max === undefined ? base : base.max(max, { error: message });
}

const accountId = z
  .string({
    error: (iss) =>
      typeof iss.input === 'number'
        ? 'expected a 12-digit account id in quotes, e.g. "012345678901": YAML reads an unquoted id as a number and drops its leading zeros'
        : 'expected a 12-digit account id in quotes, e.g. "012345678901"',
  })
  .regex(ACCOUNT_ID, { error: 'expected a 12-digit account id in quotes, e.g. "012345678901"' });

const durationSeconds = wholeNumber(
  900,
  43_200,
  'expected whole seconds from 900 (15 minutes) to 43200 (12 hours)',
);
const positive = wholeNumber(1, undefined, 'expected a positive whole number');

const externalId = z
  .string()
  .regex(EXTERNAL_ID, { error: 'expected 2 to 1224 characters of letters, digits and _+=,.@:/-' });

const masterArn = text((arn) => {
  if (hasAccountPlaceholder(arn)) {
    return 'the master chain runs once, before any member account is known, so it cannot use <accountId>; put this hop in auth.accountRoleChain';
  }
  return ROLE_ARN.test(arn) ? undefined : 'expected a role ARN like arn:aws:iam::111111111111:role/OrgReader';
});

const accountArn = text((arn) =>
  ROLE_ARN.test(substituteAccountId(arn, SAMPLE_ACCOUNT_ID))
    ? undefined
    : 'expected a role ARN like arn:aws:iam::<accountId>:role/AthenaReader',
);

const SESSION_NAME_RULE = '2 to 64 characters of letters, digits and _+=,.@-';

const masterSessionName = text((name) => {
  if (hasAccountPlaceholder(name))
    return 'the master chain cannot use <accountId> (it runs before any account is known)';
  return SESSION_NAME.test(name) ? undefined : `expected ${SESSION_NAME_RULE}`;
});

/** Checked with a 12-digit id in place of `<accountId>`, as STS will see it. */
const accountSessionName = text((name) =>
  SESSION_NAME.test(substituteAccountId(name, SAMPLE_ACCOUNT_ID))
    ? undefined
    : `expected ${SESSION_NAME_RULE} (counting <accountId> as 12 digits)`,
);

function hopSchema(arn: z.ZodType<string>, sessionName: z.ZodType<string>) {
  return z.union(
    [
      arn,
      strict({
        arn,
        externalId: externalId.optional(),
        sessionName: sessionName.optional(),
        durationSeconds: durationSeconds.optional(),
      }),
    ],
    {
      error:
        'expected a role ARN, or a mapping with arn (and optionally externalId, sessionName, durationSeconds)',
    },
  );
}

const masterHop = hopSchema(masterArn, masterSessionName);
const accountHop = hopSchema(accountArn, accountSessionName);

const hopArn = (hop: z.output<typeof accountHop>): string => (typeof hop === 'string' ? hop : hop.arn);

const authSchema = strict({
  externalId: externalId.optional(),
  sessionName: accountSessionName.default(DEFAULT_SESSION_NAME),
  durationSeconds: durationSeconds.default(DEFAULT_DURATION_SECONDS),
  masterRoleChain: z.array(masterHop).default([]),
  accountRoleChain: z
    .array(accountHop)
    .min(1, { error: 'needs at least one hop, e.g. arn:aws:iam::<accountId>:role/AthenaReader' })
    .refine((chain) => chain.some((hop) => hasAccountPlaceholder(hopArn(hop))), {
      error:
        'no hop names the member account: use <accountId> in a role ARN (e.g. arn:aws:iam::<accountId>:role/AthenaReader), or every account would assume the same role',
    }),
  accountChainFrom: z.enum(['base', 'master']).default('base'),
  managementAccountChain: z.enum(['master', 'account']).default('master'),
}).superRefine((auth, ctx) => {
  if (auth.masterRoleChain.length > 0 && hasAccountPlaceholder(auth.sessionName)) {
    ctx.addIssue({
      code: 'custom',
      path: ['sessionName'],
      message:
        'the master chain would use this session name before any account is known, so it cannot contain <accountId>; set sessionName on the account-chain hops instead',
    });
  }
});

const s3Location = text((location) => {
  const url = substituteAccountId(location, SAMPLE_ACCOUNT_ID);
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

const athenaSchema = strict({
  workgroup: workgroup.default('primary'),
  database: name.optional(),
  catalog: name.optional(),
  outputLocation: s3Location.optional(),
});

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
});

const queriesSchema = z
  .array(querySchema)
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

const sinksSchema = z
  .array(
    z.discriminatedUnion(
      'type',
      [
        strict({
          type: z.literal('parquet'),
          path: sinkPath,
          compression: z.enum(['zstd', 'snappy', 'gzip', 'none']).default('zstd'),
        }),
        strict({ type: z.literal('arrow'), path: sinkPath }),
      ],
      { error: 'expected type: parquet or arrow' },
    ),
  )
  .min(1, { error: 'needs at least one sink, e.g. { type: parquet, path: out/{query}.parquet }' });

const accountsSchema = strict({
  source: z.enum(['organization', 'list']).default('organization'),
  ids: z.array(accountId).min(1).optional(),
  include: z.array(accountId).optional(),
  exclude: z.array(accountId).default([]),
}).superRefine((accounts, ctx) => {
  if (accounts.source === 'list' && accounts.ids === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['ids'],
      message: 'required when source is list: the 12-digit ids (in quotes) of the accounts to query',
    });
  }
  if (accounts.source === 'organization' && accounts.ids !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['ids'],
      message:
        'only read when source is list: set source: list, or remove ids to query every account of the organization',
    });
  }
});

/** The v1 configuration file, as written (before interpolation results are normalised). */
export const pipelineConfigSchema = strict({
  version: z.literal(1, {
    error: (iss) =>
      iss.input === undefined
        ? 'required: add "version: 1" at the top of the file'
        : 'unsupported version: this athena-fanout reads version: 1',
  }),
  region: z.string().regex(REGION, { error: 'expected an AWS region name like eu-west-1' }).optional(),
  auth: authSchema,
  accounts: accountsSchema.prefault({}),
  athena: athenaSchema.prefault({}),
  concurrency: strict({
    queries: positive.default(16),
    perAccount: positive.default(2),
    accounts: positive.default(8),
  }).prefault({}),
  queries: queriesSchema,
  sinks: sinksSchema,
  manifest: z.string().min(1).default('out/manifest.json'),
}).superRefine((config, ctx) => {
  const seen = new Map<string, number>();
  config.sinks.forEach((sink, i) => {
    if (config.queries.length > 1 && !sink.path.includes('{query}')) {
      ctx.addIssue({
        code: 'custom',
        path: ['sinks', i, 'path'],
        message: `must contain {query} when there are ${config.queries.length} queries, or they would all write the same file`,
      });
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
export type HopParsed = z.output<typeof accountHop>;
