import * as z from 'zod';
import {
  MAX_SESSION_TAGS,
  ROLE_ARN,
  SAMPLE_RUN_ID,
  SESSION_NAME,
  SOURCE_IDENTITY,
  TAG_KEY,
  TAG_VALUE,
  substituteAccountId,
  substituteRunId,
} from './role-hop.js';
import { hasAccountPlaceholder } from './placeholders.js';
import { credentialsSchema } from './credentials-schema.js';
import { SAMPLE_ACCOUNT_ID, durationSeconds, externalId, strict, text, whenMissing } from './schema-parts.js';

export const DEFAULT_SESSION_NAME = 'athena-fanout';
export const DEFAULT_DURATION_SECONDS = 3600;

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
const MASTER_PLACEHOLDER = 'the master chain cannot use <accountId> (it runs before any account is known)';

/** As STS will see it: `<accountId>` as 12 digits, `{runId}` as a run id. */
const rendered = (value: string) =>
  substituteRunId(substituteAccountId(value, SAMPLE_ACCOUNT_ID), SAMPLE_RUN_ID);

const masterSessionName = text((name) => {
  if (hasAccountPlaceholder(name)) return MASTER_PLACEHOLDER;
  return SESSION_NAME.test(rendered(name))
    ? undefined
    : `expected ${SESSION_NAME_RULE} (counting {runId} as ${SAMPLE_RUN_ID.length} characters)`;
});

const accountSessionName = text((name) =>
  SESSION_NAME.test(rendered(name))
    ? undefined
    : `expected ${SESSION_NAME_RULE} (counting <accountId> as 12 digits and {runId} as ${SAMPLE_RUN_ID.length} characters)`,
);

function sourceIdentity(master: boolean) {
  return text((value) => {
    if (master && hasAccountPlaceholder(value)) return MASTER_PLACEHOLDER;
    return SOURCE_IDENTITY.test(rendered(value))
      ? undefined
      : `expected ${SESSION_NAME_RULE} (after substituting <accountId> and {runId})`;
  });
}

function sessionTags(master: boolean) {
  return z.record(z.string(), z.string()).superRefine((tags, ctx) => {
    const keys = Object.keys(tags);
    if (keys.length > MAX_SESSION_TAGS) {
      ctx.addIssue({ code: 'custom', message: `STS accepts at most ${MAX_SESSION_TAGS} session tags` });
    }
    const seen = new Set<string>();
    for (const key of keys) {
      const value = tags[key]!;
      if (!TAG_KEY.test(key) || seen.has(key.toLowerCase())) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: seen.has(key.toLowerCase())
            ? 'duplicate tag key (STS ignores case in tag keys)'
            : 'a tag key is 1 to 128 letters, digits, spaces and _.:/=+-@',
        });
      } else if (master && hasAccountPlaceholder(value)) {
        ctx.addIssue({ code: 'custom', path: [key], message: MASTER_PLACEHOLDER });
      } else if (!TAG_VALUE.test(rendered(value))) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'a tag value is up to 256 letters, digits, spaces and _.:/=+-@',
        });
      }
      seen.add(key.toLowerCase());
    }
  });
}

function hopSchema(arn: z.ZodType<string>, sessionName: z.ZodType<string>, master: boolean) {
  return z.union(
    [
      arn,
      strict({
        arn,
        externalId: externalId.optional(),
        sessionName: sessionName.optional(),
        durationSeconds: durationSeconds.optional(),
        tags: sessionTags(master).optional(),
        sourceIdentity: sourceIdentity(master).optional(),
      }),
    ],
    {
      error:
        'expected a role ARN, or a mapping with arn (and optionally externalId, sessionName, durationSeconds, tags, sourceIdentity)',
    },
  );
}

const masterHop = hopSchema(masterArn, masterSessionName, true);
const accountHop = hopSchema(accountArn, accountSessionName, false);

export const hopArn = (hop: z.output<typeof accountHop>): string => (typeof hop === 'string' ? hop : hop.arn);

export const authSchema = strict(
  {
    credentials: credentialsSchema.optional(),
    externalId: externalId.optional(),
    sessionName: accountSessionName.default(DEFAULT_SESSION_NAME),
    durationSeconds: durationSeconds.default(DEFAULT_DURATION_SECONDS),
    masterRoleChain: z.array(masterHop).default([]),
    accountRoleChain: z
      .array(accountHop, {
        error: whenMissing(
          'the roles to assume in each member account, e.g. [arn:aws:iam::<accountId>:role/AthenaReader]',
        ),
      })
      .min(1, { error: 'needs at least one hop, e.g. arn:aws:iam::<accountId>:role/AthenaReader' })
      .refine((chain) => chain.some((hop) => hasAccountPlaceholder(hopArn(hop))), {
        error:
          'no hop names the member account: use <accountId> in a role ARN (e.g. arn:aws:iam::<accountId>:role/AthenaReader), or every account would assume the same role',
      }),
    accountChainFrom: z.enum(['base', 'master']).default('base'),
    managementAccountChain: z.enum(['master', 'account']).default('master'),
  },
  'an auth: section with at least accountRoleChain',
).superRefine((auth, ctx) => {
  if (auth.masterRoleChain.length > 0 && hasAccountPlaceholder(auth.sessionName)) {
    ctx.addIssue({
      code: 'custom',
      path: ['sessionName'],
      message:
        'the master chain would use this session name before any account is known, so it cannot contain <accountId>; set sessionName on the account-chain hops instead',
    });
  }
  checkSourceIdentities(auth, ctx);
});

type AuthParsed = {
  masterRoleChain: z.output<typeof masterHop>[];
  accountRoleChain: HopParsed[];
  accountChainFrom: 'base' | 'master';
};

/** AWS keeps the first SourceIdentity of a chain and refuses any other later in it. */
function checkSourceIdentities(auth: AuthParsed, ctx: z.core.$RefinementCtx): void {
  const hops = [
    ...(auth.accountChainFrom === 'master'
      ? auth.masterRoleChain.map((hop, i) => ({ hop, path: ['masterRoleChain', i] }))
      : []),
    ...auth.accountRoleChain.map((hop, i) => ({ hop, path: ['accountRoleChain', i] })),
  ];
  let first: { value: string; path: (string | number)[] } | undefined;
  for (const { hop, path } of hops) {
    if (typeof hop === 'string' || hop.sourceIdentity === undefined) continue;
    if (!first) {
      first = { value: hop.sourceIdentity, path };
    } else if (hop.sourceIdentity !== first.value) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'sourceIdentity'],
        message: `the chain's source identity is already "${first.value}" (auth.${first.path.join('.')}); AWS refuses to change it later in a chain`,
      });
    }
  }
  // The master chain on its own (used for Organizations) has the same rule.
  if (auth.accountChainFrom === 'base')
    checkSourceIdentities({ ...auth, accountRoleChain: [], accountChainFrom: 'master' }, ctx);
}

export type HopParsed = z.output<typeof accountHop>;
