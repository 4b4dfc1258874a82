import { GetCallerIdentityCommand, STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../index.js';
import { BASE, EXT, smallScenario } from './fixture.js';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ scenario: smallScenario() });
});
afterAll(async () => {
  await emu.close();
});

const sts = (credentials: {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}): STSClient => new STSClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('STS', () => {
  it('identifies the base identity from its signed access key', async () => {
    const me = await sts(BASE).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe('arn:aws:iam::111111111111:user/ci');
    expect(me.Account).toBe('111111111111');
  });

  it('chains OrgHub → AthenaReader with ExternalId and records each hop', async () => {
    const hub = fromTemporaryCredentials({
      clientConfig: { endpoint: emu.endpoint, region: 'us-east-1' },
      masterCredentials: BASE,
      params: { RoleArn: 'arn:aws:iam::111111111111:role/OrgHub', RoleSessionName: 'hub', ExternalId: EXT },
    });
    const reader = fromTemporaryCredentials({
      clientConfig: { endpoint: emu.endpoint, region: 'us-east-1' },
      masterCredentials: hub,
      params: {
        RoleArn: 'arn:aws:iam::222222222222:role/AthenaReader',
        RoleSessionName: 'reader',
        ExternalId: EXT,
        DurationSeconds: 3600,
      },
    });
    const client = new STSClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials: reader });
    const me = await client.send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe('arn:aws:sts::222222222222:assumed-role/AthenaReader/reader');
    expect(me.Account).toBe('222222222222');
    const hops = emu.record.assumeRoles
      .filter((a) => a.ok)
      .map((a) => [a.callerArn, a.roleArn, a.externalId]);
    expect(hops).toContainEqual([
      'arn:aws:iam::111111111111:user/ci',
      'arn:aws:iam::111111111111:role/OrgHub',
      EXT,
    ]);
    expect(hops).toContainEqual([
      'arn:aws:sts::111111111111:assumed-role/OrgHub/hub',
      'arn:aws:iam::222222222222:role/AthenaReader',
      EXT,
    ]);
  });

  it('denies a role that does not trust the caller, with AWS wording', async () => {
    const err = await errorOf(
      sts(BASE).send(
        new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111111111111:role/OrgReader', RoleSessionName: 'x1' }),
      ),
    );
    expect(err.name).toBe('AccessDenied');
    expect(err.message).toBe(
      'User: arn:aws:iam::111111111111:user/ci is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/OrgReader',
    );
    expect(emu.record.assumeRoles.at(-1)).toMatchObject({ ok: false, errorCode: 'AccessDenied' });
  });

  it('denies a wrong or missing ExternalId', async () => {
    const params = { RoleArn: 'arn:aws:iam::111111111111:role/OrgHub', RoleSessionName: 'hub' };
    expect(
      (await errorOf(sts(BASE).send(new AssumeRoleCommand({ ...params, ExternalId: 'ext-999' })))).name,
    ).toBe('AccessDenied');
    expect((await errorOf(sts(BASE).send(new AssumeRoleCommand(params)))).name).toBe('AccessDenied');
  });

  it('caps role-chained sessions at one hour but lets the base identity ask for more', async () => {
    const base = sts(BASE);
    const hub = await base.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::111111111111:role/OrgHub',
        RoleSessionName: 'long',
        ExternalId: EXT,
        DurationSeconds: 7200,
      }),
    );
    const creds = hub.Credentials!;
    const err = await errorOf(
      sts({
        accessKeyId: creds.AccessKeyId!,
        secretAccessKey: creds.SecretAccessKey!,
        sessionToken: creds.SessionToken!,
      }).send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::222222222222:role/AthenaReader',
          RoleSessionName: 'reader',
          ExternalId: EXT,
          DurationSeconds: 7200,
        }),
      ),
    );
    expect(err.name).toBe('ValidationError');
    expect(err.message).toBe(
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  });

  it('refuses the role in a denied account and in a suspended one', async () => {
    const hub = await sts(BASE).send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::111111111111:role/OrgHub',
        RoleSessionName: 'hub',
        ExternalId: EXT,
      }),
    );
    const c = hub.Credentials!;
    const asHub = sts({
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    });
    for (const account of ['555555555555', '444444444444']) {
      const err = await errorOf(
        asHub.send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${account}:role/AthenaReader`,
            RoleSessionName: 'reader',
            ExternalId: EXT,
          }),
        ),
      );
      expect(err.name).toBe('AccessDenied');
    }
  });

  it('rejects invalid session names, unknown keys and bad signatures', async () => {
    const bad = await errorOf(
      sts(BASE).send(
        new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111111111111:role/OrgHub', RoleSessionName: 'a b' }),
      ),
    );
    expect(bad.name).toBe('ValidationError');
    const unknown = await errorOf(
      sts({ accessKeyId: 'AKIANOTKNOWN00000000', secretAccessKey: 'x' }).send(
        new GetCallerIdentityCommand({}),
      ),
    );
    expect(unknown.name).toBe('InvalidClientTokenId');
    const forged = await errorOf(
      sts({ accessKeyId: BASE.accessKeyId, secretAccessKey: 'wrong-secret' }).send(
        new GetCallerIdentityCommand({}),
      ),
    );
    expect(forged.name).toBe('SignatureDoesNotMatch');
  });
});
