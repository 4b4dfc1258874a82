import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AwsCredentialIdentity } from '@smithy/types';
import { FanoutError } from '../../src/errors.js';
import { RoleChainResolver, type AssumeRoleEvent } from '../../src/auth-chain/index.js';
import { renderRoleChain, type RoleHop } from '../../src/config/index.js';
import { type CredentialProvider } from '../../src/aws/index.js';
import { fakeSts, type FakeStsOptions } from '../helpers/fake-sts.js';

const LONG_TERM: CredentialProvider = () =>
  Promise.resolve({ accessKeyId: 'AKIABASE', secretAccessKey: 'basesecret' });

const hop = (arn: string, extra: Partial<RoleHop> = {}): RoleHop => ({
  arn,
  sessionName: 'athena-fanout',
  durationSeconds: 3600,
  ...extra,
});
const HUB = hop('arn:aws:iam::111111111111:role/OrgHub', {
  durationSeconds: 7200,
  externalId: 'ext-secret-42',
});
const READER = hop('arn:aws:iam::111111111111:role/OrgReader', { durationSeconds: 7200 });
const ACCOUNT_TEMPLATE = [hop('arn:aws:iam::<accountId>:role/AthenaReader', { externalId: 'ext-secret-42' })];

function setup(stsOpts: FakeStsOptions = {}, base: CredentialProvider = LONG_TERM, maxConcurrent?: number) {
  const sts = fakeSts(stsOpts);
  const events: AssumeRoleEvent[] = [];
  const resolver = new RoleChainResolver({
    region: 'eu-west-1',
    base,
    ...(maxConcurrent ? { maxConcurrentAssumeRoles: maxConcurrent } : {}),
    onAssumeRole: (e) => events.push(e),
    clientOptions: { requestHandler: sts.requestHandler, maxAttempts: 1 },
  });
  return { sts, events, resolver };
}

async function rejection(p: Promise<unknown>): Promise<FanoutError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FanoutError);
  return err as FanoutError;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('RoleChainResolver', () => {
  it('assumes each hop in order with the previous hop credentials, ExternalId and capped durations', async () => {
    const { sts, resolver } = setup();
    const creds = await resolver.provider([HUB, READER], { chain: 'master' })();
    expect(sts.calls).toEqual([
      {
        callerKey: 'AKIABASE',
        roleArn: HUB.arn,
        sessionName: 'athena-fanout',
        durationSeconds: 7200,
        externalId: 'ext-secret-42',
      },
      // role chaining: AWS refuses more than one hour
      { callerKey: 'ASIAOrgHub1', roleArn: READER.arn, sessionName: 'athena-fanout', durationSeconds: 3600 },
    ]);
    expect(creds).toMatchObject({
      accessKeyId: 'ASIAOrgReader2',
      secretAccessKey: 'secret2',
      sessionToken: 'token2',
    });
    expect(creds.expiration).toBeInstanceOf(Date);
  });

  it('caps the first hop at one hour when the base credentials are themselves a session', async () => {
    const { sts, resolver } = setup({}, () =>
      Promise.resolve({ accessKeyId: 'ASIATASK', secretAccessKey: 's', sessionToken: 'task-role-session' }),
    );
    await resolver.provider([HUB], { chain: 'master' })();
    expect(sts.calls.map((c) => c.durationSeconds)).toEqual([3600]);
  });

  it('assumes a shared chain prefix once for all accounts, concurrent callers sharing one call', async () => {
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    const { sts, resolver } = setup({ gate: () => opened });
    const master = [HUB, READER];
    const ids = Array.from({ length: 30 }, (_, i) => String(200000000000 + i));
    const providers = ids.map((id) =>
      resolver.provider([...master, ...renderRoleChain(ACCOUNT_TEMPLATE, id)], {
        chain: 'account',
        accountId: id,
      }),
    );
    // every account asks twice at once, plus the master chain itself
    const all = Promise.all([
      resolver.provider(master, { chain: 'master' })(),
      ...providers.flatMap((p) => [p(), p()]),
    ]);
    await new Promise((r) => setTimeout(r, 10));
    open();
    const creds = await all;
    const byRole = (arn: string) => sts.calls.filter((c) => c.roleArn === arn).length;
    expect(byRole(HUB.arn)).toBe(1);
    expect(byRole(READER.arn)).toBe(1);
    for (const id of ids) expect(byRole(`arn:aws:iam::${id}:role/AthenaReader`)).toBe(1);
    expect(sts.calls).toHaveLength(2 + ids.length);
    // every member-account hop is signed by the hub's reader session
    const readerKey = creds[0].accessKeyId;
    expect(sts.calls.slice(2).every((c) => c.callerKey === readerKey)).toBe(true);
    // later calls are served from the cache
    await providers[0]!();
    expect(sts.calls).toHaveLength(2 + ids.length);
  });

  it('keeps at most maxConcurrentAssumeRoles calls in flight', async () => {
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    const { sts, resolver } = setup({ gate: () => opened }, LONG_TERM, 3);
    const ids = Array.from({ length: 12 }, (_, i) => String(300000000000 + i));
    const all = Promise.all(
      ids.map((id) =>
        resolver.provider([HUB, ...renderRoleChain(ACCOUNT_TEMPLATE, id)], {
          chain: 'account',
          accountId: id,
        })(),
      ),
    );
    await new Promise((r) => setTimeout(r, 10));
    open();
    await all;
    expect(sts.calls).toHaveLength(13);
    expect(sts.stats.peakInFlight).toBe(3);
  });

  it('does not cache failures: the next call assumes the role again', async () => {
    let denied = true;
    const { sts, resolver } = setup({
      fail: () => (denied ? { status: 403, code: 'AccessDenied', message: 'not yet' } : undefined),
    });
    const provider = resolver.provider([HUB], { chain: 'master' });
    await rejection(provider());
    denied = false;
    await expect(provider()).resolves.toMatchObject({ accessKeyId: 'ASIAOrgHub1' });
    expect(sts.calls).toHaveLength(2);
  });

  it('names the account, hop, role, caller and AWS words when a hop is denied, without secrets', async () => {
    const { events, resolver } = setup({
      fail: (c) =>
        c.roleArn.includes('444444444444')
          ? {
              status: 403,
              code: 'AccessDenied',
              message: `User: arn:aws:sts::111111111111:assumed-role/OrgHub/athena-fanout is not authorized to perform: sts:AssumeRole on resource: ${c.roleArn}`,
            }
          : undefined,
    });
    const hops = renderRoleChain([HUB, ...ACCOUNT_TEMPLATE], '444444444444');
    const err = await rejection(resolver.provider(hops, { chain: 'account', accountId: '444444444444' })());
    expect(err.message).toBe(
      'account 444444444444: AssumeRole hop 2/2 arn:aws:iam::444444444444:role/AthenaReader failed: AccessDenied: ' +
        'User: arn:aws:sts::111111111111:assumed-role/OrgHub/athena-fanout is not authorized to perform: ' +
        'sts:AssumeRole on resource: arn:aws:iam::444444444444:role/AthenaReader',
    );
    expect(err.retryable).toBe(false);
    expect(err.context).toMatchObject({
      stage: 'credentials',
      chain: 'account',
      accountId: '444444444444',
      hopIndex: 1,
      roleArn: 'arn:aws:iam::444444444444:role/AthenaReader',
      callerArn: 'arn:aws:sts::111111111111:assumed-role/OrgHub/athena-fanout',
      awsCode: 'AccessDenied',
      requestId: 'req-2',
    });
    expect(err.context.awsMessage).toMatch(/^User: .* is not authorized/);
    const serialized = JSON.stringify([err.toJSON(), err.message, events]);
    for (const secret of ['basesecret', 'secret1', 'token1', 'ext-secret-42']) {
      expect(serialized).not.toContain(secret);
    }
    expect(events.map((e) => [e.hopIndex, e.ok, e.accountId])).toEqual([
      [0, true, '444444444444'],
      [1, false, '444444444444'],
    ]);
  });

  it('reports a failing shared hop for the account that asked, with its own hop count', async () => {
    const { resolver } = setup({
      fail: (c) =>
        c.roleArn === HUB.arn ? { status: 403, code: 'AccessDenied', message: 'denied' } : undefined,
    });
    for (const id of ['222222222222', '333333333333']) {
      const hops = renderRoleChain([HUB, ...ACCOUNT_TEMPLATE], id);
      const err = await rejection(resolver.provider(hops, { chain: 'account', accountId: id })());
      expect(err.message).toBe(`account ${id}: AssumeRole hop 1/2 ${HUB.arn} failed: AccessDenied: denied`);
      expect(err.context).toMatchObject({ accountId: id, hopIndex: 0, roleArn: HUB.arn });
    }
  });

  it('keeps the external id out of AWS validation messages that echo it', async () => {
    const { resolver } = setup({
      fail: (c) => ({
        status: 400,
        code: 'ValidationError',
        message: `1 validation error detected: Value '${c.externalId}' at 'externalId' failed to satisfy constraint`,
      }),
    });
    const err = await rejection(resolver.provider([HUB], { chain: 'master' })());
    expect(err.message).toContain("Value '<externalId>' at 'externalId'");
    expect(JSON.stringify(err.toJSON())).not.toContain('ext-secret-42');
  });

  it('marks throttling and server errors retryable', async () => {
    for (const [status, code] of [
      [400, 'Throttling'],
      [503, 'ServiceUnavailable'],
    ] as const) {
      const { resolver } = setup({ fail: () => ({ status, code, message: 'Rate exceeded' }) });
      const err = await rejection(resolver.provider([HUB], { chain: 'master' })());
      expect(err.retryable).toBe(true);
      expect(err.context.awsCode).toBe(code);
      expect(err.message).toMatch(/^master chain: AssumeRole hop 1\/1 .* failed: /);
    }
  });

  it('reports missing base credentials as a credentials error of the chain', async () => {
    const { resolver } = setup({}, () =>
      Promise.reject(new Error('Could not load credentials from any providers')),
    );
    const err = await rejection(resolver.provider([HUB, READER], { chain: 'master' })());
    expect(err.message).toBe(
      'master chain: base credentials (AWS SDK default chain) unavailable: Could not load credentials from any providers',
    );
    expect(err.context).toMatchObject({
      stage: 'credentials',
      chain: 'master',
      credentialSource: 'default',
    });
  });

  it('refreshes short-lived credentials ahead of expiry by a margin that fits their lifetime', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.UTC(2026, 10, 23, 10, 0, 0);
    vi.setSystemTime(t0);
    const { sts, resolver } = setup({ lifetimeSeconds: 10 });
    const provider = resolver.provider([HUB, READER], { chain: 'master' });
    const first = await provider();
    // 10 s lifetime → refresh 2 s before expiry, not the SDK's 5 minutes (which would mean every call)
    vi.setSystemTime(t0 + 7_900);
    expect(await provider()).toBe(first);
    expect(sts.calls).toHaveLength(2);
    vi.setSystemTime(t0 + 8_100);
    const second = await provider();
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(sts.calls.map((c) => c.roleArn)).toEqual([HUB.arn, READER.arn, HUB.arn, READER.arn]);
  });

  it('refreshes hour-long credentials five minutes before expiry', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.UTC(2026, 10, 23, 10, 0, 0);
    vi.setSystemTime(t0);
    const { sts, resolver } = setup();
    const provider = resolver.provider([READER], { chain: 'master' });
    const first: AwsCredentialIdentity = await provider();
    vi.setSystemTime(t0 + 7200_000 - 300_001);
    expect(await provider()).toBe(first);
    vi.setSystemTime(t0 + 7200_000 - 299_000);
    expect((await provider()).accessKeyId).not.toBe(first.accessKeyId);
    expect(sts.calls).toHaveLength(2);
  });

  it('keeps serving still-valid credentials when a refresh ahead of expiry fails', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.UTC(2026, 10, 23, 10, 0, 0);
    vi.setSystemTime(t0);
    let throttled = false;
    const { events, resolver } = setup({
      lifetimeSeconds: 1000,
      fail: () => (throttled ? { status: 400, code: 'Throttling', message: 'Rate exceeded' } : undefined),
    });
    const provider = resolver.provider([HUB], { chain: 'master' });
    const first = await provider();
    throttled = true;
    vi.setSystemTime(t0 + 900_000);
    expect(await provider()).toBe(first);
    expect(events.at(-1)).toMatchObject({ ok: false, roleArn: HUB.arn });
    vi.setSystemTime(t0 + 1_000_001);
    const err = await rejection(provider());
    expect(err.context.awsCode).toBe('Throttling');
  });

  it('gives the base credentials themselves for an empty chain', async () => {
    const { sts, resolver } = setup();
    await expect(resolver.provider([], { chain: 'master' })()).resolves.toMatchObject({
      accessKeyId: 'AKIABASE',
    });
    expect(sts.calls).toHaveLength(0);
  });
});
