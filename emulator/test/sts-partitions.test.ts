import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../index.js';
import { BASE, EXT, smallScenario } from './fixture.js';

// The same organization in aws-cn: every ARN in that partition, clients signing for China regions.
let emu: RunningEmulator;
beforeAll(async () => {
  const s = smallScenario();
  const cn = (arn: string) => arn.replace(/^arn:aws:/, 'arn:aws-cn:');
  emu = await startEmulator({
    scenario: {
      ...s,
      identities: s.identities.map((i) => ({ ...i, arn: cn(i.arn) })),
      roles: (s.roles ?? []).map((r) => ({ ...r, arn: cn(r.arn), trust: r.trust.map(cn) })),
    },
  });
});
afterAll(async () => {
  await emu.close();
});

const sts = (region: string, credentials: STSClient['config']['credentials'] | typeof BASE) =>
  new STSClient({ endpoint: emu.endpoint, region, credentials, maxAttempts: 1 });

describe('STS in the aws-cn partition', () => {
  it('chains aws-cn roles signed for cn-north-1; sessions are arn:aws-cn:sts ARNs', async () => {
    const clientConfig = { endpoint: emu.endpoint, region: 'cn-north-1' };
    const hub = fromTemporaryCredentials({
      clientConfig,
      masterCredentials: BASE,
      params: {
        RoleArn: 'arn:aws-cn:iam::111111111111:role/OrgHub',
        RoleSessionName: 'hub',
        ExternalId: EXT,
      },
    });
    const reader = fromTemporaryCredentials({
      clientConfig,
      masterCredentials: hub,
      params: {
        RoleArn: 'arn:aws-cn:iam::222222222222:role/AthenaReader',
        RoleSessionName: 'reader',
        ExternalId: EXT,
      },
    });
    const me = await sts('cn-north-1', reader).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe('arn:aws-cn:sts::222222222222:assumed-role/AthenaReader/reader');
    expect(emu.record.calls.filter((c) => c.service === 'sts').map((c) => c.region)).toContain('cn-north-1');
  });

  it("refuses an aws-cn role from a region of another partition, as a partition's STS does", async () => {
    const err = await sts('us-east-1', BASE)
      .send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws-cn:iam::111111111111:role/OrgHub',
          RoleSessionName: 'hub',
          ExternalId: EXT,
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(err?.name).toBe('ValidationError');
    expect(err?.message).toBe(
      'Partition "aws-cn" is not valid for resource "arn:aws-cn:iam::111111111111:role/OrgHub".',
    );
  });
});
