import { ListAccountsForParentCommand } from '@aws-sdk/client-organizations';
import type { LimitFunction } from 'p-limit';
import type { Account } from './account.js';
import { toAccount, type OrganizationsCallOptions } from './list-organization-accounts.js';
import type { OrganizationalUnit } from './list-organizational-units.js';
import { listAllPages, type OrganizationsSender } from './organizations-call.js';

/**
 * The accounts directly under each unit (ListAccountsForParent), each with its OU path, sorted by id;
 * an account listed twice is kept once, as first listed.
 */
export async function listUnitAccounts(
  client: OrganizationsSender,
  limit: LimitFunction,
  units: OrganizationalUnit[],
  opts: OrganizationsCallOptions,
): Promise<Account[]> {
  const send = { abortSignal: opts.signal };
  const perUnit = await Promise.all(
    units.map(async (unit) => {
      const listed = await limit(() =>
        listAllPages(
          'ListAccountsForParent',
          (token) =>
            client.send(
              new ListAccountsForParentCommand({
                ParentId: unit.id,
                MaxResults: 20,
                ...(token ? { NextToken: token } : {}),
              }),
              send,
            ),
          (page) => page.Accounts,
          opts,
        ),
      );
      return listed.flatMap((a) => {
        const account = toAccount(a);
        return account ? [{ ...account, ouPath: unit.path, ouId: unit.id }] : [];
      });
    }),
  );
  const byId = new Map<string, Account>();
  for (const account of perUnit.flat()) if (!byId.has(account.id)) byId.set(account.id, account);
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}
