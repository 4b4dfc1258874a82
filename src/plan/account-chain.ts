import { accountsFromList, selectAccounts } from '../accounts/index.js';
import {
  accountChainStartsAtMaster,
  renderRoleChain,
  type PipelineConfig,
  type QueryConfig,
  type RoleHop,
} from '../config/index.js';
import { planUnits } from './units.js';

// The one rule of which credentials query an account: the run (resolve-accounts) follows it to reach
// accounts, iam-policy to grant the roles what the run will ask of them.

type Auth = PipelineConfig['auth'];

export interface AccountChain {
  chain: 'master' | 'account';
  /** The hops with `<accountId>` substituted (session names and tags still hold `{runId}`). */
  hops: RoleHop[];
}

/**
 * The account the master chain ends in. A list source has no Organizations to ask which account is the
 * management account, so the run takes this one.
 */
export function masterChainAccountId(auth: Auth): string | undefined {
  return auth.masterRoleChain.at(-1)?.arn.split(':')[4];
}

/**
 * The management account is queried with the credentials that already list the organization (the
 * master chain's, or the base credentials with no master chain), unless `managementAccountChain: account`.
 */
export function queriedThroughMaster(auth: Auth, accountId: string, managementAccountId?: string): boolean {
  return accountId === managementAccountId && auth.managementAccountChain === 'master';
}

/** The hops that reach `accountId`; an empty master chain means the base credentials themselves. */
export function accountChain(auth: Auth, accountId: string, managementAccountId?: string): AccountChain {
  if (queriedThroughMaster(auth, accountId, managementAccountId)) {
    return { chain: 'master', hops: auth.masterRoleChain };
  }
  const own = renderRoleChain(auth.accountRoleChain, accountId);
  return {
    chain: 'account',
    hops: accountChainStartsAtMaster(auth) ? [...auth.masterRoleChain, ...own] : own,
  };
}

/**
 * The queries run with the master chain's credentials (the base credentials with no master chain), from
 * the config alone. An organization's management account is known only once Organizations answers, so
 * it may be any selected account and run every query; a list source's is the master chain's account,
 * and only if the list selects it, with the queries whose `accounts` include it.
 */
export function queriesThroughMaster(config: PipelineConfig): QueryConfig[] {
  const { auth, accounts } = config;
  if (auth.managementAccountChain !== 'master') return [];
  if (accounts.source === 'organization') return config.queries;
  const management = masterChainAccountId(auth);
  if (management === undefined) return [];
  // Selected as resolve-accounts selects a list: ids, then include, exclude and states.
  const { selected } = selectAccounts(accountsFromList(accounts.ids), accounts);
  const own = selected.filter((a) => queriedThroughMaster(auth, a.id, management));
  // By name: each account's units carry their own copy of the query, overrides applied.
  const names = new Set(planUnits(config, own).map((unit) => unit.query.name));
  return config.queries.filter((q) => names.has(q.name));
}
