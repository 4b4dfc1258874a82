import { ListTagsForResourceCommand } from '@aws-sdk/client-organizations';
import pLimit from 'p-limit';
import { memoizeAsync } from '../scheduler/index.js';
import type { OrganizationsCallOptions } from './list-organization-accounts.js';
import { listAllPages, type OrganizationsSender } from './organizations-call.js';

/**
 * Reads accounts' Organizations tags (ListTagsForResource, every page), at most `concurrency` at once,
 * each account once: concurrent readers share the call and failures are not cached.
 */
export class AccountTagReader {
  readonly read: (accountId: string) => Promise<Record<string, string>>;

  constructor(client: OrganizationsSender, opts: OrganizationsCallOptions & { concurrency?: number } = {}) {
    const limit = pLimit(opts.concurrency ?? 4);
    this.read = memoizeAsync(async (accountId: string) => {
      const tags = await limit(() =>
        listAllPages(
          'ListTagsForResource',
          (token) =>
            client.send(
              new ListTagsForResourceCommand({
                ResourceId: accountId,
                ...(token ? { NextToken: token } : {}),
              }),
              { abortSignal: opts.signal },
            ),
          (page) => page.Tags,
          opts,
        ),
      );
      return Object.fromEntries(tags.flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
    });
  }
}

/** Why `tags` fails the filter (every key must have one of its values), or undefined when it passes. */
export function tagMismatch(
  tags: Record<string, string>,
  filter: Readonly<Record<string, readonly string[]>>,
): string | undefined {
  for (const [key, values] of Object.entries(filter)) {
    const value = tags[key];
    const wanted = values.map((v) => JSON.stringify(v)).join(' or ');
    if (value === undefined) return `no tag ${key} (accounts.tags wants ${wanted})`;
    if (!values.includes(value)) return `tag ${key} is ${JSON.stringify(value)}, not ${wanted}`;
  }
  return undefined;
}
