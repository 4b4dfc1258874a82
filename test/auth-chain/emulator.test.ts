import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { startEmulator, type RunningEmulator, type ScenarioInput } from '@athena-fanout/emulator';
import { FanoutError } from '../../src/errors.js';
import { awsClientConfig } from '../../src/aws/index.js';
import { RoleChainResolver, type AssumeRoleEvent } from '../../src/auth-chain/index.js';
import { renderRoleChain, type RoleHop } from '../../src/config/index.js';
import { listOrganizationAccounts, selectAccounts } from '../../src/accounts/index.js';

const EXT = 'ext-chain-7731';
const USER = 'arn:aws:iam::111111111111:user/ci';
const HUB = 'arn:aws:iam::111111111111:role/OrgHub';
const READER = 'arn:aws:iam::111111111111:role/OrgReader';

const scenario: ScenarioInput = {
  organization: { id: 'o-authchain001', managementAccountId: '111111111111' },
  accounts: [
    { id: '111111111111', name: 'management', email: 'm@example.com' },
    { id: '222222222222', name: 'web', email: 'w@example.com' },
    { id: '333333333333', name: 'data', email: 'd@example.com' },
    { id: '444444444444', name: 'locked', email: 'l@example.com' },
    { id: '666666666666', name: 'old', email: 'o@example.com', state: 'SUSPENDED' },
  ],
  identities: [{ accessKeyId: 'AKIAAUTHCHAINBASE01', secretAccessKey: 'base-secret', arn: USER }],
  roles: [
    { arn: HUB, trust: [USER], externalId: EXT, maxSessionDuration: 43200 },
    { arn: READER, trust: [HUB], maxSessionDuration: 43200 },
    {
      arn: 'arn:aws:iam::<accountId>:role/AthenaReader',
      trust: [READER],
      externalId: EXT,
      deny: ['444444444444'],
    },
  ],
  knobs: { queryLatencyMs: 0 },
};

const hop = (arn: string, extra: Partial<RoleHop> = {}): RoleHop => ({
  arn,
  sessionName: 'athena-fanout',
  durationSeconds: 7200,
  ...extra,
});
const MASTER = [hop(HUB, { externalId: EXT }), hop(READER)];
const ACCOUNT = [
  hop('arn:aws:iam::<accountId>:role/AthenaReader', { externalId: EXT, durationSeconds: 3600 }),
];

describe('RoleChainResolver against the emulator over HTTP', () => {
  let emu: RunningEmulator;
  let resolver: RoleChainResolver;
  const events: AssumeRoleEvent[] = [];

  beforeAll(async () => {
    emu = await startEmulator({ scenario });
    const base = emu.baseCredentials;
    resolver = new RoleChainResolver({
      region: 'eu-west-1',
      base: () => Promise.resolve(base),
      onAssumeRole: (e) => events.push(e),
      clientOptions: { endpoint: emu.endpoint, maxAttempts: 1 },
    });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('assumes the master chain then every account chain in order, each hop from the previous session', async () => {
    const master = resolver.provider(MASTER, { chain: 'master' });
    const orgs = new OrganizationsClient({
      ...awsClientConfig('organizations', { region: 'eu-west-1', credentials: master }),
      endpoint: emu.endpoint,
    });
    const all = await listOrganizationAccounts(orgs);
    expect(all.map((a) => [a.id, a.state])).toEqual([
      ['111111111111', 'ACTIVE'],
      ['222222222222', 'ACTIVE'],
      ['333333333333', 'ACTIVE'],
      ['444444444444', 'ACTIVE'],
      ['666666666666', 'SUSPENDED'],
    ]);
    const { selected, skipped } = selectAccounts(all, { exclude: ['111111111111'] });
    expect(skipped.map((s) => s.account.id)).toEqual(['111111111111', '666666666666']);

    const results = await Promise.all(
      selected.map((a) =>
        resolver
          .provider([...MASTER, ...renderRoleChain(ACCOUNT, a.id)], { chain: 'account', accountId: a.id })()
          .then(
            (c) => ({ id: a.id, ok: true as const, key: c.accessKeyId }),
            (e: unknown) => ({ id: a.id, ok: false as const, error: e }),
          ),
      ),
    );
    expect(results.map((r) => [r.id, r.ok])).toEqual([
      ['222222222222', true],
      ['333333333333', true],
      ['444444444444', false],
    ]);

    const assumed = emu.record.assumeRoles.map((r) => ({
      caller: r.callerArn,
      role: r.roleArn,
      externalId: r.externalId,
      duration: r.durationSeconds,
      ok: r.ok,
    }));
    const hubSession = 'arn:aws:sts::111111111111:assumed-role/OrgHub/athena-fanout';
    const readerSession = 'arn:aws:sts::111111111111:assumed-role/OrgReader/athena-fanout';
    // the shared master prefix was assumed once for the listing and all three accounts
    expect(assumed.slice(0, 2)).toEqual([
      { caller: USER, role: HUB, externalId: EXT, duration: 7200, ok: true },
      { caller: hubSession, role: READER, externalId: undefined, duration: 3600, ok: true },
    ]);
    expect(assumed.slice(2).sort((a, b) => a.role.localeCompare(b.role))).toEqual(
      ['222222222222', '333333333333', '444444444444'].map((id) => ({
        caller: readerSession,
        role: `arn:aws:iam::${id}:role/AthenaReader`,
        externalId: EXT,
        duration: 3600,
        ok: id !== '444444444444',
      })),
    );

    const denied = results[2]!;
    expect(denied.ok).toBe(false);
    const err = (denied as { error: unknown }).error;
    expect(err).toBeInstanceOf(FanoutError);
    const f = err as FanoutError;
    expect(f.message).toBe(
      'account 444444444444: AssumeRole hop 3/3 arn:aws:iam::444444444444:role/AthenaReader failed: AccessDenied: ' +
        `User: ${readerSession} is not authorized to perform: sts:AssumeRole on resource: ` +
        'arn:aws:iam::444444444444:role/AthenaReader',
    );
    expect(f.context).toMatchObject({
      stage: 'credentials',
      chain: 'account',
      accountId: '444444444444',
      hopIndex: 2,
      callerArn: readerSession,
      awsCode: 'AccessDenied',
    });
    expect(f.retryable).toBe(false);
    expect(events.filter((e) => !e.ok).map((e) => e.accountId)).toEqual(['444444444444']);
  });

  it('names the master hop when the external id is wrong', async () => {
    const wrong = new RoleChainResolver({
      region: 'eu-west-1',
      base: () => Promise.resolve(emu.baseCredentials),
      clientOptions: { endpoint: emu.endpoint, maxAttempts: 1 },
    });
    const err = await wrong
      .provider([hop(HUB, { externalId: 'not-the-one' }), hop(READER)], { chain: 'master' })()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FanoutError);
    expect((err as FanoutError).message).toMatch(
      /^master chain: AssumeRole hop 1\/2 arn:aws:iam::111111111111:role\/OrgHub failed: AccessDenied: User: arn:aws:iam::111111111111:user\/ci is not authorized/,
    );
    // The base identity is not known without a call, but AWS's denial names it.
    expect((err as FanoutError).context).toMatchObject({ hopIndex: 0, roleArn: HUB, callerArn: USER });
  });
});

describe('short-lived sessions with the SDK clients consuming them', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({
      scenario: { ...scenario, knobs: { queryLatencyMs: 0, credentialLifetimeSeconds: 120 } },
    });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('assumes each hop once for many requests, though the SDK alone would re-assume on every one', async () => {
    const resolver = new RoleChainResolver({
      region: 'eu-west-1',
      base: () => Promise.resolve(emu.baseCredentials),
      clientOptions: { endpoint: emu.endpoint, maxAttempts: 1 },
    });
    const orgs = new OrganizationsClient({
      ...awsClientConfig('organizations', {
        region: 'eu-west-1',
        credentials: resolver.provider(MASTER, { chain: 'master' }),
      }),
      endpoint: emu.endpoint,
    });
    for (let i = 0; i < 4; i++) expect(await listOrganizationAccounts(orgs)).toHaveLength(5);
    // 2-minute credentials are inside the SDK's fixed 5-minute refresh window: without our own cache
    // every request would assume both hops again.
    expect(emu.record.assumeRoles.map((r) => r.roleArn)).toEqual([HUB, READER]);
  });
});
