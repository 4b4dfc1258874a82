import type { Account, SkippedAccount } from './account.js';

/** Accounts declared in the config (`accounts.source: list`): taken as ACTIVE, since nothing says otherwise. */
export function accountsFromList(ids: string[]): Account[] {
  return ids.map((id) => ({ id, state: 'ACTIVE' }));
}

export interface SelectAccountsOptions {
  include?: string[];
  exclude?: string[];
  /** States that can be queried; default ACTIVE (the only state whose roles can be assumed). */
  states?: string[];
}

export interface AccountSelection {
  selected: Account[];
  skipped: SkippedAccount[];
  /** `include` ids that matched no account: usually a typo or an account outside the organization. */
  notFound: string[];
}

/**
 * Filters accounts, giving a reason for each one skipped: its state, `exclude`, or not in `include`.
 * Duplicates are dropped (first wins) and order is kept.
 */
export function selectAccounts(all: Account[], opts: SelectAccountsOptions): AccountSelection {
  const states = new Set(opts.states ?? ['ACTIVE']);
  const include = opts.include && opts.include.length > 0 ? new Set(opts.include) : undefined;
  const exclude = new Set(opts.exclude ?? []);
  const selected: Account[] = [];
  const skipped: SkippedAccount[] = [];
  const seen = new Set<string>();
  for (const account of all) {
    if (seen.has(account.id)) continue;
    seen.add(account.id);
    if (!states.has(account.state)) {
      skipped.push({
        account,
        reason: `state is ${account.state}, not ${[...states].join(' or ')}`,
      });
    } else if (exclude.has(account.id)) {
      skipped.push({ account, reason: 'excluded by accounts.exclude' });
    } else if (include && !include.has(account.id)) {
      skipped.push({ account, reason: 'not in accounts.include' });
    } else {
      selected.push(account);
    }
  }
  const notFound = include ? [...include].filter((id) => !seen.has(id)) : [];
  return { selected, skipped, notFound };
}
