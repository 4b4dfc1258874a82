import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { overrideNeedsTags, type PipelineConfig, templateMarkers } from '../config/index.js';
import { awsClientConfig, type CredentialProvider } from '../aws/index.js';
import { type RoleChainResolver } from '../auth-chain/index.js';
import {
  type Account,
  type SkippedAccount,
  accountsFromList,
  describeOrganization,
  discoverOrganizationAccounts,
  selectAccounts,
  type OrganizationsRetry,
} from '../accounts/index.js';
import { accountChain, masterChainAccountId, type AccountChain } from './account-chain.js';

export interface ResolvedAccounts {
  all: Account[];
  selected: Account[];
  skipped: SkippedAccount[];
  managementAccountId?: string;
  /** Selection entries that matched nothing (typos): the run goes on. */
  warnings: string[];
  chainFor(accountId: string): AccountChain;
  providerFor(accountId: string): CredentialProvider;
}

export interface ResolveAccountsOptions {
  signal?: AbortSignal;
  /** Organizations calls in flight at once (tree walk and tags). */
  concurrency?: number;
  retry?: OrganizationsRetry;
}

/**
 * Tags cost one ListTagsForResource per account, so they are read only when a filter needs them or a
 * query's template uses a `{{tags.KEY}}` marker (in its `sql` or `parameters`: the only templates that
 * can; output locations and sink paths take `<accountId>`/`{region}`-style placeholders, never tags),
 * or an `overrides:` entry matches by tag or fills a setting from one.
 */
export function needsTags(config: PipelineConfig): boolean {
  if (config.accounts.source !== 'organization') return false;
  if (config.accounts.tags && Object.keys(config.accounts.tags).length > 0) return true;
  if (config.overrides.some(overrideNeedsTags)) return true;
  return config.queries.some((q) =>
    [q.sql, ...(q.parameters ?? [])].some((template) =>
      templateMarkers(template).some((m) => m.context === 'code' && m.name.startsWith('tags.')),
    ),
  );
}

/** Discovers accounts and decides, per account, which credentials query it. */
export async function resolveAccounts(
  config: PipelineConfig,
  resolver: RoleChainResolver,
  base: CredentialProvider,
  opts: ResolveAccountsOptions = {},
): Promise<ResolvedAccounts> {
  const master = config.auth.masterRoleChain;
  const masterProvider = master.length > 0 ? resolver.provider(master, { chain: 'master' }) : base;
  const call = {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.retry ? { retry: opts.retry } : {}),
  };
  let all: Account[];
  let selection: { selected: Account[]; skipped: SkippedAccount[] };
  let managementAccountId: string | undefined;
  const warnings: string[] = [];
  const filters = {
    ...(config.accounts.include ? { include: config.accounts.include } : {}),
    exclude: config.accounts.exclude,
    states: config.accounts.states,
  };
  if (config.accounts.source === 'organization') {
    const orgs = new OrganizationsClient(
      awsClientConfig('organizations', { region: config.region, credentials: masterProvider }),
    );
    const discovered = await discoverOrganizationAccounts(
      orgs,
      {
        ...filters,
        ...(config.accounts.organizationalUnits
          ? { organizationalUnits: config.accounts.organizationalUnits }
          : {}),
        excludeOrganizationalUnits: config.accounts.excludeOrganizationalUnits,
        ...(config.accounts.tags ? { tags: config.accounts.tags } : {}),
        readTags: needsTags(config),
      },
      { ...call, ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) },
    );
    all = discovered.all;
    selection = discovered;
    warnings.push(...discovered.warnings);
    managementAccountId = (await describeOrganization(orgs, call)).managementAccountId;
  } else {
    all = accountsFromList(config.accounts.ids);
    selection = selectAccounts(all, filters);
    managementAccountId = masterChainAccountId(config.auth);
  }
  const chainFor = (accountId: string) => accountChain(config.auth, accountId, managementAccountId);
  const providerFor = (accountId: string): CredentialProvider => {
    const { chain, hops } = chainFor(accountId);
    if (chain === 'master') return masterProvider;
    return resolver.provider(hops, { chain: 'account', accountId });
  };
  return {
    all,
    selected: selection.selected,
    skipped: selection.skipped,
    ...(managementAccountId ? { managementAccountId } : {}),
    warnings,
    chainFor,
    providerFor,
  };
}
