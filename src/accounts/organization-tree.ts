import {
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import pLimit from 'p-limit';
import { FanoutError } from '../errors.js';
import type { Account, SkippedAccount } from './account.js';
import { toAccount, type OrganizationsCallOptions } from './list-organization-accounts.js';
import { listAllPages, type OrganizationsSender } from './organizations-call.js';

export interface OrganizationalUnit {
  id: string;
  /** Names from the root, the root itself being `Root`: `Root/Prod/Web`. */
  path: string;
  parentId?: string;
}

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

const ROOT_PATH = 'Root';

function within(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

/**
 * Walks the organization's OU tree from its root (ListRoots, then ListOrganizationalUnitsForParent
 * under every OU), and lists the accounts of the selected subtrees with ListAccountsForParent, so
 * every account knows its OU path. Works from the management account and from a delegated
 * administrator. Every page of every list is read; calls are bounded and retried when throttled.
 */
export async function walkOrganizationTree(
  client: OrganizationsSender,
  opts: OrganizationTreeOptions = {},
): Promise<OrganizationTree> {
  const limit = pLimit(opts.concurrency ?? 4);
  const send = { abortSignal: opts.signal };
  const roots = await limit(() =>
    listAllPages(
      'ListRoots',
      (token) => client.send(new ListRootsCommand(token ? { NextToken: token } : {}), send),
      (page) => page.Roots,
      opts,
    ),
  );
  const rootId = roots[0]?.Id;
  if (!rootId) {
    throw new FanoutError('Organizations ListRoots returned no root', { context: { stage: 'accounts' } });
  }
  const units: OrganizationalUnit[] = [{ id: rootId, path: ROOT_PATH }];

  const expand = async (parent: OrganizationalUnit): Promise<void> => {
    const children = await limit(() =>
      listAllPages(
        'ListOrganizationalUnitsForParent',
        (token) =>
          client.send(
            new ListOrganizationalUnitsForParentCommand({
              ParentId: parent.id,
              MaxResults: 20,
              ...(token ? { NextToken: token } : {}),
            }),
            send,
          ),
        (page) => page.OrganizationalUnits,
        opts,
      ),
    );
    const nodes = children.flatMap((c) =>
      c.Id ? [{ id: c.Id, path: `${parent.path}/${c.Name ?? c.Id}`, parentId: parent.id }] : [],
    );
    units.push(...nodes);
    await Promise.all(nodes.map(expand));
  };
  await expand(units[0]!);

  const find = (ref: string) => units.find((u) => u.id === ref || u.path === ref);
  const wanted = opts.organizationalUnits ?? [];
  const missing = wanted.filter((ref) => !find(ref));
  if (missing.length > 0) {
    throw new FanoutError(
      `accounts.organizationalUnits: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not an OU of the organization (known: ${units.map((u) => u.path).join(', ')})`,
      { context: { stage: 'accounts' } },
    );
  }
  const scopes = wanted.length === 0 ? [ROOT_PATH] : wanted.map((ref) => find(ref)!.path);
  const inScope = units.filter((u) => scopes.some((s) => within(u.path, s)));

  const excludeRefs = opts.excludeOrganizationalUnits ?? [];
  const unmatchedExcludes = excludeRefs.filter((ref) => !find(ref));
  const excludedPaths = excludeRefs.flatMap((ref) => {
    const u = find(ref);
    return u ? [u.path] : [];
  });

  const perUnit = await Promise.all(
    inScope.map(async (unit) => {
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
  const accounts: Account[] = [];
  const excluded: SkippedAccount[] = [];
  for (const account of [...byId.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    const by = excludedPaths.find((p) => within(account.ouPath!, p));
    if (by) {
      excluded.push({ account, reason: `in ${by}, excluded by accounts.excludeOrganizationalUnits` });
    } else {
      accounts.push(account);
    }
  }
  return { accounts, excluded, unmatchedExcludes, units };
}
