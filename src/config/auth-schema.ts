import * as z from 'zod';
import {
  ROLE_ARN,
  SESSION_NAME,
  hasAccountPlaceholder,
  substituteAccountId,
} from '../auth-chain/role-hop.js';
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

export const hopArn = (hop: z.output<typeof accountHop>): string => (typeof hop === 'string' ? hop : hop.arn);

export const authSchema = strict(
  {
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
});

export type HopParsed = z.output<typeof accountHop>;
