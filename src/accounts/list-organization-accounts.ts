import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  type Account as OrgAccount,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { awsErrorInfo, FanoutError } from '../errors.js';
import type { Account } from './account.js';

/** The Organizations calls we make, so tests and callers can pass anything that sends them. */
export type OrganizationsSender = Pick<OrganizationsClient, 'send'>;

function accountsError(operation: string, err: unknown): FanoutError {
  // A credential provider's failure (a refused role hop) surfaces through the SDK call; it already
  // names the hop, role and AWS's words, which a wrapper would only bury.
  if (err instanceof FanoutError) return err;
  const info = awsErrorInfo(err);
  return new FanoutError(`Organizations ${operation} failed: ${info.code}: ${info.message}`, {
    cause: err,
    retryable: info.retryable || (info.httpStatus ?? 0) >= 500,
    context: {
      stage: 'accounts',
      awsCode: info.code,
      awsMessage: info.message,
      ...(info.requestId ? { requestId: info.requestId } : {}),
    },
  });
}

function toAccount(a: OrgAccount): Account | undefined {
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

/**
 * Every account of the organization: ListAccounts page after page until NextToken is absent (pages
 * may be empty while NextToken is still set). Call it with a client in the partition's Organizations
 * region (us-east-1 for `aws`), whatever the run's region.
 */
export async function listOrganizationAccounts(
  client: OrganizationsSender,
  opts: { signal?: AbortSignal } = {},
): Promise<Account[]> {
  const accounts: Account[] = [];
  const seen = new Set<string>();
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await client.send(
        new ListAccountsCommand({ MaxResults: 20, ...(nextToken ? { NextToken: nextToken } : {}) }),
        opts.signal ? { abortSignal: opts.signal } : {},
      );
    } catch (err) {
      throw accountsError('ListAccounts', err);
    }
    for (const a of page.Accounts ?? []) {
      const account = toAccount(a);
      if (account && !seen.has(account.id)) {
        seen.add(account.id);
        accounts.push(account);
      }
    }
    nextToken = page.NextToken || undefined;
  } while (nextToken);
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
  opts: { signal?: AbortSignal } = {},
): Promise<OrganizationInfo> {
  let out;
  try {
    out = await client.send(
      new DescribeOrganizationCommand({}),
      opts.signal ? { abortSignal: opts.signal } : {},
    );
  } catch (err) {
    throw accountsError('DescribeOrganization', err);
  }
  const org = out.Organization;
  return {
    ...(org?.Id ? { id: org.Id } : {}),
    ...(org?.Arn ? { arn: org.Arn } : {}),
    ...(org?.MasterAccountId ? { managementAccountId: org.MasterAccountId } : {}),
  };
}
