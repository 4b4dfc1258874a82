import { unitError } from '../errors.js';
import type { Account, SkippedAccount } from './account.js';
import { AccountTagReader, tagMismatch } from './account-tags.js';
import type { OrganizationsCallOptions } from './list-organization-accounts.js';
import type { OrganizationsSender } from './organizations-call.js';
import { walkOrganizationTree } from './organization-tree.js';
import { selectAccounts, type AccountSelection } from './select-accounts.js';

/** Which of the organization's accounts a run is about (the config's `accounts` section). */
export interface AccountScope {
  organizationalUnits?: readonly string[];
  excludeOrganizationalUnits?: readonly string[];
  include?: string[];
  exclude?: string[];
  states?: string[];
  /** Every key must have one of its values. */
  tags?: Readonly<Record<string, readonly string[]>>;
  /** Read the selected accounts' tags even without a tag filter (for templates and output columns). */
  readTags?: boolean;
}

export interface DiscoveredAccounts extends AccountSelection {
  /** Every account in the OU scope, skipped ones included, by id. */
  all: Account[];
  /** Selection entries that matched nothing: probably typos, never fatal. */
  warnings: string[];
}

/**
 * The organization's accounts in scope, each with its OU path (and tags when a filter or `readTags`
 * asks), split into selected and skipped-with-a-reason.
 */
export async function discoverOrganizationAccounts(
  client: OrganizationsSender,
  scope: AccountScope,
  opts: OrganizationsCallOptions & { concurrency?: number } = {},
): Promise<DiscoveredAccounts> {
  const tree = await walkOrganizationTree(client, {
    ...opts,
    ...(scope.organizationalUnits ? { organizationalUnits: scope.organizationalUnits } : {}),
    ...(scope.excludeOrganizationalUnits
      ? { excludeOrganizationalUnits: scope.excludeOrganizationalUnits }
      : {}),
  });
  const selection = selectAccounts(tree.accounts, {
    ...(scope.include ? { include: scope.include } : {}),
    ...(scope.exclude ? { exclude: scope.exclude } : {}),
    ...(scope.states ? { states: scope.states } : {}),
  });
  const skipped: SkippedAccount[] = [...tree.excluded, ...selection.skipped];
  let selected = selection.selected;
  const filter = scope.tags && Object.keys(scope.tags).length > 0 ? scope.tags : undefined;
  if (filter || scope.readTags) {
    const reader = new AccountTagReader(client, opts);
    // One account's tags failing (access denied, the account left the organization mid-run) skips
    // that account with AWS's words; the others go on.
    const tagged = await Promise.allSettled(
      selected.map(async (account) => ({ ...account, tags: await reader.read(account.id) })),
    );
    // A cancelled run stops here rather than skipping every account.
    opts.signal?.throwIfAborted();
    const accounts = selected;
    selected = [];
    tagged.forEach((result, i) => {
      if (result.status === 'rejected') {
        const reason = `its tags could not be read: ${unitError(result.reason).message}`;
        skipped.push({ account: accounts[i]!, reason });
        return;
      }
      const account = result.value;
      const mismatch = filter ? tagMismatch(account.tags, filter) : undefined;
      if (mismatch) skipped.push({ account, reason: mismatch });
      else selected.push(account);
    });
  }
  const warnings = [
    ...tree.unmatchedExcludes.map(
      (ref) => `accounts.excludeOrganizationalUnits: ${ref} is not an OU of the organization`,
    ),
    ...selection.notFound.map(
      (id) =>
        `accounts.include: ${id} is not an account ${scope.organizationalUnits ? 'in the selected OUs' : 'of the organization'}`,
    ),
  ];
  const all = [...tree.accounts, ...tree.excluded.map((s) => s.account)].sort((a, b) =>
    a.id.localeCompare(b.id),
  );
  return { all, selected, skipped, notFound: selection.notFound, warnings };
}
