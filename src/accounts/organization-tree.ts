import pLimit from 'p-limit';
import { FanoutError } from '../errors.js';
import type { Account, SkippedAccount } from './account.js';
import type { OrganizationsCallOptions } from './list-organization-accounts.js';
import { listOrganizationalUnits, ROOT_PATH, type OrganizationalUnit } from './list-organizational-units.js';
import { listUnitAccounts } from './list-unit-accounts.js';
import type { OrganizationsSender } from './organizations-call.js';

export type { OrganizationalUnit } from './list-organizational-units.js';

export interface OrganizationTreeOptions extends OrganizationsCallOptions {
  /** OU ids, root ids or paths; each selects its whole subtree. Absent or empty = the whole organization. */
  organizationalUnits?: readonly string[];
  /** Subtrees whose accounts are skipped (and reported with the OU as the reason). */
  excludeOrganizationalUnits?: readonly string[];
  /** Organizations calls in flight at once (default 4: its rate limits are low and shared). */
  concurrency?: number;
}

export interface OrganizationTree {
  /** The accounts in scope, each with its OU path, sorted by id; those in excluded OUs are not here. */
  accounts: Account[];
  /** Accounts in scope but under an excluded OU. */
  excluded: SkippedAccount[];
  /** `excludeOrganizationalUnits` entries that name no OU of the organization (probably a typo). */
  unmatchedExcludes: string[];
  units: OrganizationalUnit[];
}

function within(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

/**
 * Walks the organization's OU tree from its root, and lists the accounts of the selected subtrees,
 * so every account knows its OU path. Works from the management account and from a delegated
 * administrator. Every page of every list is read; calls are bounded and retried when throttled.
 */
export async function walkOrganizationTree(
  client: OrganizationsSender,
  opts: OrganizationTreeOptions = {},
): Promise<OrganizationTree> {
  const limit = pLimit(opts.concurrency ?? 4);
  const units = await listOrganizationalUnits(client, limit, opts);
  const find = (ref: string) => units.find((u) => u.id === ref || u.path === ref);
  const inScope = unitsInScope(units, find, opts.organizationalUnits ?? []);
  const excludeRefs = opts.excludeOrganizationalUnits ?? [];
  const excludedPaths = excludeRefs.flatMap((ref) => {
    const u = find(ref);
    return u ? [u.path] : [];
  });
  const accounts: Account[] = [];
  const excluded: SkippedAccount[] = [];
  for (const account of await listUnitAccounts(client, limit, inScope, opts)) {
    const by = excludedPaths.find((p) => within(account.ouPath!, p));
    if (by) {
      excluded.push({ account, reason: `in ${by}, excluded by accounts.excludeOrganizationalUnits` });
    } else {
      accounts.push(account);
    }
  }
  return { accounts, excluded, unmatchedExcludes: excludeRefs.filter((ref) => !find(ref)), units };
}

/**
 * The units under the wanted subtrees (the whole organization when none). A wanted OU the organization
 * does not have fails the walk, listing the known ones, where an unknown exclude is only reported.
 */
function unitsInScope(
  units: OrganizationalUnit[],
  find: (ref: string) => OrganizationalUnit | undefined,
  wanted: readonly string[],
): OrganizationalUnit[] {
  const missing = wanted.filter((ref) => !find(ref));
  if (missing.length > 0) {
    throw new FanoutError(
      `accounts.organizationalUnits: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not an OU of the organization (known: ${units.map((u) => u.path).join(', ')})`,
      { context: { stage: 'accounts' } },
    );
  }
  const scopes = wanted.length === 0 ? [ROOT_PATH] : wanted.map((ref) => find(ref)!.path);
  return units.filter((u) => scopes.some((s) => within(u.path, s)));
}
