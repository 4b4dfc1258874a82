import {
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
  paginateListAccounts,
  type Account,
} from '@aws-sdk/client-organizations';
import { AthenaClient, GetWorkGroupCommand } from '@aws-sdk/client-athena';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../index.js';
import { BASE, EXT, readerCredentials, smallScenario } from './fixture.js';

let emu: RunningEmulator;
let orgs: OrganizationsClient;
beforeAll(async () => {
  emu = await startEmulator({ scenario: smallScenario() });
  orgs = new OrganizationsClient({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: BASE,
    maxAttempts: 1,
  });
});
afterAll(async () => {
  await emu.close();
});

describe('Organizations', () => {
  it('pages ListAccounts with empty pages while NextToken is still set', async () => {
    const sizes: number[] = [];
    const accounts: Account[] = [];
    let token: string | undefined;
    do {
      const page = await orgs.send(new ListAccountsCommand({ MaxResults: 2, NextToken: token }));
      sizes.push(page.Accounts!.length);
      accounts.push(...page.Accounts!);
      token = page.NextToken;
    } while (token);
    expect(sizes).toEqual([0, 2, 0, 2, 0, 1]);
    expect(accounts.map((a) => a.Id)).toEqual([
      '111111111111',
      '222222222222',
      '333333333333',
      '444444444444',
      '555555555555',
    ]);
    expect(accounts[3]).toMatchObject({ Name: 'old', State: 'SUSPENDED', Status: 'SUSPENDED' });
    // The SDK paginator must reach the same accounts through the empty pages.
    const viaPaginator: string[] = [];
    for await (const page of paginateListAccounts({ client: orgs }, {})) {
      viaPaginator.push(...page.Accounts!.map((a) => a.Id!));
    }
    expect(viaPaginator).toHaveLength(5);
  });

  it('rejects MaxResults above 20', async () => {
    await expect(orgs.send(new ListAccountsCommand({ MaxResults: 21 }))).rejects.toMatchObject({
      name: 'InvalidInputException',
    });
  });

  it('walks roots, OUs, accounts per parent and tags', async () => {
    const collect = async <T>(
      fetch: (token?: string) => Promise<{ items: T[]; next?: string }>,
    ): Promise<T[]> => {
      const all: T[] = [];
      let token: string | undefined;
      do {
        const { items, next } = await fetch(token);
        all.push(...items);
        token = next;
      } while (token);
      return all;
    };
    const roots = await collect(async (NextToken) => {
      const r = await orgs.send(new ListRootsCommand({ NextToken }));
      return { items: r.Roots!, next: r.NextToken };
    });
    expect(roots).toHaveLength(1);
    const ous = await collect(async (NextToken) => {
      const r = await orgs.send(
        new ListOrganizationalUnitsForParentCommand({ ParentId: roots[0]!.Id, NextToken }),
      );
      return { items: r.OrganizationalUnits!, next: r.NextToken };
    });
    expect(ous.map((o) => o.Name).sort()).toEqual(['Dev', 'Prod']);
    const prod = ous.find((o) => o.Name === 'Prod')!;
    const inProd = await collect(async (NextToken) => {
      const r = await orgs.send(new ListAccountsForParentCommand({ ParentId: prod.Id, NextToken }));
      return { items: r.Accounts!, next: r.NextToken };
    });
    expect(inProd.map((a) => a.Id)).toEqual(['222222222222', '444444444444']);
    const tags = await collect(async (NextToken) => {
      const r = await orgs.send(new ListTagsForResourceCommand({ ResourceId: '222222222222', NextToken }));
      return { items: r.Tags!, next: r.NextToken };
    });
    expect(tags).toEqual([{ Key: 'env', Value: 'prod' }]);
  });

  it('keeps a role to the services it is allowed', async () => {
    const hub = fromTemporaryCredentials({
      clientConfig: { endpoint: emu.endpoint, region: 'us-east-1' },
      masterCredentials: BASE,
      params: { RoleArn: 'arn:aws:iam::111111111111:role/OrgHub', RoleSessionName: 'hub', ExternalId: EXT },
    });
    const orgReader = fromTemporaryCredentials({
      clientConfig: { endpoint: emu.endpoint, region: 'us-east-1' },
      masterCredentials: hub,
      params: { RoleArn: 'arn:aws:iam::111111111111:role/OrgReader', RoleSessionName: 'org' },
    });
    const config = { endpoint: emu.endpoint, region: 'us-east-1', credentials: orgReader, maxAttempts: 1 };
    const page = await new OrganizationsClient(config).send(new ListAccountsCommand({ MaxResults: 20 }));
    expect(page.NextToken).toBeDefined();
    await expect(
      new AthenaClient(config).send(new GetWorkGroupCommand({ WorkGroup: 'primary' })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('refuses member accounts', async () => {
    const member = new OrganizationsClient({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      credentials: readerCredentials(emu.endpoint, '222222222222'),
      maxAttempts: 1,
    });
    await expect(member.send(new ListAccountsCommand({}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});
