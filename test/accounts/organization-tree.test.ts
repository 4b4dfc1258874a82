import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { startEmulator, type RunningEmulator, type ScenarioInput } from '@athena-fanout/emulator';
import { discoverOrganizationAccounts, walkOrganizationTree } from '../../src/accounts/index.js';
import { FanoutError } from '../../src/errors.js';

const MGMT = '111111111111';
const ADMIN = '222222222222';

/** id, OU path, state, tags */
const ORG: [string, string, 'ACTIVE' | 'SUSPENDED', Record<string, string>][] = [
  [MGMT, 'Root', 'ACTIVE', { env: 'shared' }],
  [ADMIN, 'Root/Security', 'ACTIVE', { env: 'shared' }],
  ['300000000001', 'Root/Prod', 'ACTIVE', { env: 'prod', team: 'core' }],
  ['300000000002', 'Root/Prod/Web', 'ACTIVE', { env: 'prod', team: 'web' }],
  ['300000000003', 'Root/Prod/Web', 'SUSPENDED', { env: 'prod', team: 'web' }],
  ['300000000004', 'Root/Prod/Web/Legacy', 'ACTIVE', { env: 'prod', team: 'web' }],
  ['300000000005', 'Root/Prod/Data', 'ACTIVE', { env: 'prod', team: 'data' }],
  ['300000000006', 'Root/Dev', 'ACTIVE', { env: 'dev', team: 'web' }],
  ['300000000007', 'Root/Dev/Web', 'ACTIVE', {}],
];

const scenario: ScenarioInput = {
  organization: { id: 'o-treetest0001', managementAccountId: MGMT, delegatedAdmins: [ADMIN] },
  accounts: ORG.map(([id, ou, state, tags]) => ({
    id,
    name: `acct-${id.slice(-2)}`,
    email: `${id}@example.com`,
    ou,
    state,
    tags,
  })),
  identities: [
    { accessKeyId: 'AKIATREEMANAGEMENT1', secretAccessKey: 's1', arn: `arn:aws:iam::${MGMT}:user/ci` },
    { accessKeyId: 'AKIATREEDELEGATED01', secretAccessKey: 's2', arn: `arn:aws:iam::${ADMIN}:user/auditor` },
    { accessKeyId: 'AKIATREEPLAINMEMBER', secretAccessKey: 's3', arn: 'arn:aws:iam::300000000001:user/dev' },
  ],
  knobs: { queryLatencyMs: 0, emptyPages: true },
};

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ scenario });
});
afterAll(async () => {
  await emu.close();
});

const client = (accessKeyId: string, secretAccessKey: string, maxAttempts?: number) =>
  new OrganizationsClient({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey },
    ...(maxAttempts ? { maxAttempts } : {}),
  });
const management = () => client('AKIATREEMANAGEMENT1', 's1');
const ids = (accounts: { id: string }[]) => accounts.map((a) => a.id);
const callsSince = (n: number, action: string) =>
  emu.record.calls.slice(n).filter((c) => c.action === action && c.status === 200);

describe('walking the OU tree', () => {
  it('gives every account its OU path, with every OU of the organization', async () => {
    const tree = await walkOrganizationTree(management());
    expect(tree.accounts.map((a) => [a.id, a.ouPath])).toEqual(ORG.map(([id, ou]) => [id, ou]).sort());
    expect(tree.units.map((u) => u.path).sort()).toEqual([
      'Root',
      'Root/Dev',
      'Root/Dev/Web',
      'Root/Prod',
      'Root/Prod/Data',
      'Root/Prod/Web',
      'Root/Prod/Web/Legacy',
      'Root/Security',
    ]);
    expect(tree.accounts.find((a) => a.id === '300000000003')).toMatchObject({
      name: 'acct-03',
      email: '300000000003@example.com',
      state: 'SUSPENDED',
    });
  });

  it('selects an OU by path or by id as its whole subtree, listing accounts only there', async () => {
    const before = emu.record.calls.length;
    const byPath = await walkOrganizationTree(management(), { organizationalUnits: ['Root/Prod/Web'] });
    expect(ids(byPath.accounts)).toEqual(['300000000002', '300000000003', '300000000004']);
    // one ListAccountsForParent page (plus its empty first page) per OU of the subtree: Web and Legacy
    const parents = new Set(callsSince(before, 'ListAccountsForParent').map((c) => c.params.ParentId));
    expect(parents.size).toBe(2);

    const webId = byPath.units.find((u) => u.path === 'Root/Prod/Web')!.id;
    const devId = byPath.units.find((u) => u.path === 'Root/Dev')!.id;
    const byId = await walkOrganizationTree(management(), { organizationalUnits: [webId, devId] });
    expect(ids(byId.accounts)).toEqual([
      '300000000002',
      '300000000003',
      '300000000004',
      '300000000006',
      '300000000007',
    ]);
  });

  it('an OU that does not exist stops discovery, naming it and the OUs that do', async () => {
    const err = await walkOrganizationTree(management(), { organizationalUnits: ['Root/Prod/Wbe'] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FanoutError);
    expect((err as FanoutError).message).toMatch(/Root\/Prod\/Wbe is not an OU of the organization/);
    expect((err as FanoutError).message).toMatch(/Root\/Prod\/Web\/Legacy/);
  });
});

describe('selecting accounts', () => {
  it('excluded OUs, states and include/exclude each skip with their reason', async () => {
    const found = await discoverOrganizationAccounts(management(), {
      organizationalUnits: ['Root/Prod'],
      excludeOrganizationalUnits: ['Root/Prod/Web/Legacy', 'Root/Nowhere'],
      exclude: ['300000000005'],
    });
    expect(ids(found.selected)).toEqual(['300000000001', '300000000002']);
    expect(Object.fromEntries(found.skipped.map((s) => [s.account.id, s.reason]))).toEqual({
      '300000000003': 'state is SUSPENDED, not ACTIVE',
      '300000000004': 'in Root/Prod/Web/Legacy, excluded by accounts.excludeOrganizationalUnits',
      '300000000005': 'excluded by accounts.exclude',
    });
    expect(found.all).toHaveLength(5);
    expect(found.warnings).toEqual([
      'accounts.excludeOrganizationalUnits: Root/Nowhere is not an OU of the organization',
    ]);
    const suspendedToo = await discoverOrganizationAccounts(management(), {
      organizationalUnits: ['Root/Prod/Web'],
      states: ['ACTIVE', 'SUSPENDED'],
    });
    expect(ids(suspendedToo.selected)).toEqual(['300000000002', '300000000003', '300000000004']);
  });

  it('filters by tags, reading each candidate account once and no others', async () => {
    const before = emu.record.calls.length;
    const found = await discoverOrganizationAccounts(management(), {
      tags: { env: ['prod', 'dev'], team: ['web'] },
      exclude: ['300000000004'],
    });
    expect(ids(found.selected)).toEqual(['300000000002', '300000000006']);
    expect(found.selected[0]?.tags).toEqual({ env: 'prod', team: 'web' });
    const reasons = Object.fromEntries(found.skipped.map((s) => [s.account.id, s.reason]));
    expect(reasons[MGMT]).toBe('tag env is "shared", not "prod" or "dev"');
    expect(reasons['300000000001']).toBe('tag team is "core", not "web"');
    expect(reasons['300000000007']).toBe('no tag env (accounts.tags wants "prod" or "dev")');
    expect(reasons['300000000003']).toMatch(/SUSPENDED/);
    // ACTIVE and not excluded: 7 accounts, one read each (suspended and excluded ones are never read)
    const reads = callsSince(before, 'ListTagsForResource').map((c) => c.params.ResourceId as string);
    expect(new Set(reads).size).toBe(7);
    expect(reads).not.toContain('300000000003');
    expect(reads).not.toContain('300000000004');
  });

  it('works from a delegated administrator; a plain member is refused with AWS words', async () => {
    const found = await discoverOrganizationAccounts(client('AKIATREEDELEGATED01', 's2'), {
      organizationalUnits: ['Root/Dev'],
      readTags: true,
    });
    expect(found.selected.map((a) => [a.id, a.ouPath, a.tags])).toEqual([
      ['300000000006', 'Root/Dev', { env: 'dev', team: 'web' }],
      ['300000000007', 'Root/Dev/Web', {}],
    ]);
    const err = (await discoverOrganizationAccounts(client('AKIATREEPLAINMEMBER', 's3'), {}).catch(
      (e: unknown) => e,
    )) as FanoutError;
    expect(err).toBeInstanceOf(FanoutError);
    expect(err.context.awsCode).toBe('AccessDeniedException');
    expect(err.message).toMatch(/^Organizations ListRoots failed: AccessDeniedException: /);
  });
});
