import { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { PipelineConfig } from '../config/index.js';
import { awsClientConfig, type CredentialProvider, type RoleChainResolver } from '../auth-chain/index.js';
import { renderRoleChain } from '../auth-chain/role-hop.js';
import type { Account } from '../accounts/account.js';
import {
  accountsFromList,
  describeOrganization,
  listOrganizationAccounts,
  selectAccounts,
} from '../accounts/index.js';

/** Discovers accounts and decides, per account, which credentials query it. */
export async function resolveAccounts(
  config: PipelineConfig,
  resolver: RoleChainResolver,
  base: CredentialProvider,
) {
  const master = config.auth.masterRoleChain;
  const masterProvider = master.length > 0 ? resolver.provider(master, { chain: 'master' }) : base;
  let all: Account[];
  let managementAccountId: string | undefined;
  if (config.accounts.source === 'organization') {
    const orgs = new OrganizationsClient(
      awsClientConfig('organizations', { region: 'us-east-1', credentials: masterProvider }),
    );
    all = await listOrganizationAccounts(orgs);
    managementAccountId = (await describeOrganization(orgs)).managementAccountId;
  } else {
    all = accountsFromList(config.accounts.ids);
    managementAccountId = master.at(-1)?.arn.split(':')[4];
  }
  const { selected, skipped } = selectAccounts(all, {
    include: config.accounts.include,
    exclude: config.accounts.exclude,
  });
  const providerFor = (accountId: string): CredentialProvider => {
    if (accountId === managementAccountId && config.auth.managementAccountChain === 'master') {
      return masterProvider;
    }
    const own = renderRoleChain(config.auth.accountRoleChain, accountId);
    const hops = config.auth.accountChainFrom === 'master' ? [...master, ...own] : own;
    return resolver.provider(hops, { chain: 'account', accountId });
  };
  return { all, selected, skipped, managementAccountId, providerFor };
}
