import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  type Account as OrgAccount,
} from '@aws-sdk/client-organizations';
import type { Account } from './account.js';
import {
  callOrganizations,
  listAllPages,
  type OrganizationsRetry,
  type OrganizationsSender,
} from './organizations-call.js';

export interface OrganizationsCallOptions {
  signal?: AbortSignal;
  retry?: OrganizationsRetry;
}

export function toAccount(a: OrgAccount): Account | undefined {
  if (!a.Id) return undefined;
  return {
    id: a.Id,
    ...(a.Name ? { name: a.Name } : {}),
    ...(a.Email ? { email: a.Email } : {}),
    ...(a.Arn ? { arn: a.Arn } : {}),
    // `Status` is retired on 2026-09-09; older responses (and older emulators) only carry it.
    state: a.State ?? a.Status ?? 'UNKNOWN',
  };
}

const abortOption = (signal?: AbortSignal) => (signal ? { abortSignal: signal } : {});

/**
 * Every account of the organization: ListAccounts page after page until NextToken is absent (pages
 * may be empty while NextToken is still set). Call it with a client in the partition's Organizations
 * region (us-east-1 for `aws`), whatever the run's region.
 */
export async function listOrganizationAccounts(
  client: OrganizationsSender,
  opts: OrganizationsCallOptions = {},
): Promise<Account[]> {
  const listed = await listAllPages(
    'ListAccounts',
    (token) =>
      client.send(
        new ListAccountsCommand({ MaxResults: 20, ...(token ? { NextToken: token } : {}) }),
        abortOption(opts.signal),
      ),
    (page) => page.Accounts,
    opts,
  );
  const accounts: Account[] = [];
  const seen = new Set<string>();
  for (const a of listed) {
    const account = toAccount(a);
    if (account && !seen.has(account.id)) {
      seen.add(account.id);
      accounts.push(account);
    }
  }
  return accounts;
}

export interface OrganizationInfo {
  id?: string;
  arn?: string;
  managementAccountId?: string;
}

/** The organization and its management account (which the master chain usually already is in). */
export async function describeOrganization(
  client: OrganizationsSender,
  opts: OrganizationsCallOptions = {},
): Promise<OrganizationInfo> {
  const out = await callOrganizations(
    'DescribeOrganization',
    () => client.send(new DescribeOrganizationCommand({}), abortOption(opts.signal)),
    opts,
  );
  const org = out.Organization;
  return {
    ...(org?.Id ? { id: org.Id } : {}),
    ...(org?.Arn ? { arn: org.Arn } : {}),
    ...(org?.MasterAccountId ? { managementAccountId: org.MasterAccountId } : {}),
  };
}
