import { ListOrganizationalUnitsForParentCommand, ListRootsCommand } from '@aws-sdk/client-organizations';
import type { LimitFunction } from 'p-limit';
import { FanoutError } from '../errors.js';
import type { OrganizationsCallOptions } from './list-organization-accounts.js';
import { listAllPages, type OrganizationsSender } from './organizations-call.js';

export interface OrganizationalUnit {
  id: string;
  /** Names from the root, the root itself being `Root`: `Root/Prod/Web`. */
  path: string;
  parentId?: string;
}

export const ROOT_PATH = 'Root';

/**
 * The root and every OU under it (ListRoots, then ListOrganizationalUnitsForParent under every OU,
 * siblings in parallel within `limit`), each with its path of names from the root.
 */
export async function listOrganizationalUnits(
  client: OrganizationsSender,
  limit: LimitFunction,
  opts: OrganizationsCallOptions,
): Promise<OrganizationalUnit[]> {
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
  return units;
}
