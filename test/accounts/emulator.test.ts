import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { startEmulator, type RunningEmulator, type ScenarioInput } from '@athena-fanout/emulator';
import { awsClientConfig } from '../../src/aws/index.js';
import { describeOrganization, listOrganizationAccounts } from '../../src/accounts/index.js';
import { FanoutError } from '../../src/errors.js';

const USER = 'arn:aws:iam::111111111111:user/ci';
const MEMBERS = Array.from({ length: 44 }, (_, i) => String(300000000000 + i));

const scenario: ScenarioInput = {
  organization: { id: 'o-accounts0001', managementAccountId: '111111111111' },
  accounts: [
    { id: '111111111111', name: 'management', email: 'm@example.com' },
    ...MEMBERS.map((id, i) => ({
      id,
      name: `member-${i}`,
      email: `m${i}@example.com`,
      state: i === 7 ? ('SUSPENDED' as const) : ('ACTIVE' as const),
    })),
  ],
  identities: [
    { accessKeyId: 'AKIAACCOUNTSBASE001', secretAccessKey: 'base-secret', arn: USER },
    {
      accessKeyId: 'AKIAACCOUNTSNOORG01',
      secretAccessKey: 'other-secret',
      arn: 'arn:aws:iam::222222222222:user/x',
    },
  ],
  knobs: { queryLatencyMs: 0, emptyPages: true },
};

describe('listOrganizationAccounts against the emulator over HTTP', () => {
  let emu: RunningEmulator;

  beforeAll(async () => {
    emu = await startEmulator({ scenario });
  });
  afterAll(async () => {
    await emu.close();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const client = (accessKeyId: string, secretAccessKey: string) => {
    // the SDK picks the endpoint up from the environment, as it would for a user
    vi.stubEnv('AWS_ENDPOINT_URL', emu.endpoint);
    return new OrganizationsClient(
      awsClientConfig('organizations', {
        region: 'eu-central-1',
        credentials: () => Promise.resolve({ accessKeyId, secretAccessKey }),
      }),
    );
  };

  it('reads every page, empty ones included, in us-east-1', async () => {
    const before = emu.record.calls.length;
    const orgs = client('AKIAACCOUNTSBASE001', 'base-secret');
    expect(await orgs.config.region()).toBe('us-east-1');
    const accounts = await listOrganizationAccounts(orgs);
    expect(accounts).toHaveLength(45);
    expect(accounts.map((a) => a.id)).toEqual(['111111111111', ...MEMBERS]);
    expect(accounts[8]).toMatchObject({ id: MEMBERS[7], name: 'member-7', state: 'SUSPENDED' });
    expect(accounts[1]).toMatchObject({ email: 'm0@example.com', state: 'ACTIVE' });
    const calls = emu.record.calls.slice(before).filter((c) => c.action === 'ListAccounts');
    // 3 pages of at most 20, each preceded by an empty page carrying a NextToken
    expect(calls).toHaveLength(6);
    expect(await describeOrganization(client('AKIAACCOUNTSBASE001', 'base-secret'))).toMatchObject({
      id: 'o-accounts0001',
      managementAccountId: '111111111111',
    });
  });

  it("reports AWS's refusal for a caller outside the organization", async () => {
    const err = await listOrganizationAccounts(client('AKIAACCOUNTSNOORG01', 'other-secret')).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FanoutError);
    const f = err as FanoutError;
    expect(f.context.stage).toBe('accounts');
    expect(f.message).toBe(
      'Organizations ListAccounts failed: AWSOrganizationsNotInUseException: Your account is not a member of an organization.',
    );
    expect(f.context.awsCode).toBe('AWSOrganizationsNotInUseException');
    expect(f.retryable).toBe(false);
  });
});
