import * as z from 'zod';
import { accountId, strict } from './schema-parts.js';

/** Organizations account states (`State`); only ACTIVE accounts can have their roles assumed. */
export const ACCOUNT_STATES = [
  'PENDING_ACTIVATION',
  'ACTIVE',
  'SUSPENDED',
  'PENDING_CLOSURE',
  'CLOSED',
] as const;

/** Organizations' id formats for a root and an OU. */
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const OU_PATH = /^Root(\/[^/]+)*$/;

export function isOrganizationalUnitId(value: string): boolean {
  return ROOT_ID.test(value) || OU_ID.test(value);
}

const organizationalUnit = z.string().refine((v) => isOrganizationalUnitId(v) || OU_PATH.test(v), {
  error:
    'expected an OU id (ou-abcd-12345678), a root id (r-abcd) or an OU path from the root such as Root/Prod/Web',
});

const tagValues = z.union([z.string(), z.array(z.string()).min(1)], {
  error: 'expected a tag value or a list of accepted values',
});

const ORGANIZATION_ONLY = [
  'organizationalUnits',
  'excludeOrganizationalUnits',
  'tags',
] as const satisfies readonly string[];

export const accountsSchema = strict({
  source: z.enum(['organization', 'list']).default('organization'),
  ids: z.array(accountId).min(1).optional(),
  /** Whole subtrees; absent = the whole organization. */
  organizationalUnits: z.array(organizationalUnit).min(1).optional(),
  excludeOrganizationalUnits: z.array(organizationalUnit).default([]),
  include: z.array(accountId).optional(),
  exclude: z.array(accountId).default([]),
  /** Every key must match; a list accepts any of its values. */
  tags: z.record(z.string().min(1), tagValues).optional(),
  states: z
    .array(z.enum(ACCOUNT_STATES, { error: `expected one of ${ACCOUNT_STATES.join(', ')}` }))
    .min(1)
    .default(['ACTIVE']),
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
  if (accounts.source === 'list') {
    for (const key of ORGANIZATION_ONLY) {
      const value = accounts[key];
      const set = Array.isArray(value) ? value.length > 0 : value !== undefined;
      if (set) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'needs Organizations to read: only used when source is organization',
        });
      }
    }
  }
});
