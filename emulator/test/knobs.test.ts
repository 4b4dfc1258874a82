import { AthenaClient, GetWorkGroupCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../index.js';
import { BASE, EXT, readerCredentials, smallScenario } from './fixture.js';

describe('credential lifetime', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ scenario: smallScenario({ credentialLifetimeSeconds: 1 }) });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('rejects expired session credentials on every protocol', async () => {
    const sts = new STSClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials: BASE });
    const hub = await sts.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::111111111111:role/OrgHub',
        RoleSessionName: 'hub',
        ExternalId: EXT,
      }),
    );
    const c = hub.Credentials!;
    expect(c.Expiration!.getTime() - Date.now()).toBeLessThanOrEqual(1000);
    const creds = {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    };
    const config = { endpoint: emu.endpoint, region: 'us-east-1', credentials: creds, maxAttempts: 1 };
    expect((await new STSClient(config).send(new GetCallerIdentityCommand({}))).Account).toBe('111111111111');
    await new Promise((r) => setTimeout(r, 1100));
    await expect(new STSClient(config).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'ExpiredToken',
    });
    await expect(
      new AthenaClient(config).send(new GetWorkGroupCommand({ WorkGroup: 'primary' })),
    ).rejects.toMatchObject({ name: 'ExpiredTokenException' });
    await expect(
      new S3Client(config).send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })),
    ).rejects.toMatchObject({
      name: 'ExpiredToken',
    });
  });

  it('rejects a session token that does not belong to the key', async () => {
    const sts = new STSClient({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      credentials: { ...BASE, sessionToken: 'forged' },
      maxAttempts: 1,
    });
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
    });
  });
});

describe('query concurrency and throttling', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({
      scenario: smallScenario({
        queryLatencyMs: 2000,
        maxConcurrentQueriesPerAccount: 2,
        throttle: { rate: 0.5, actions: ['GetWorkGroup'] },
      }),
    });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('answers TooManyRequestsException with Reason beyond the per-account limit', async () => {
    const athena = new AthenaClient({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      credentials: readerCredentials(emu.endpoint, '222222222222'),
      maxAttempts: 1,
    });
    const start = (): Promise<unknown> =>
      athena.send(
        new StartQueryExecutionCommand({
          QueryString: 'SELECT 1',
          ResultConfiguration: { OutputLocation: 's3://r/x/' },
        }),
      );
    await start();
    await start();
    await expect(start()).rejects.toMatchObject({
      name: 'TooManyRequestsException',
      Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED',
    });
    expect(emu.record.activeQueries()).toBe(2);
    expect(emu.record.maxActiveQueriesByAccount['222222222222']).toBe(2);
    expect(emu.record.calls.at(-1)).toMatchObject({
      errorCode: 'TooManyRequestsException',
      accountId: '222222222222',
    });
  });

  it('throttles the listed actions with the service throttling error', async () => {
    const athena = new AthenaClient({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      credentials: BASE,
      maxAttempts: 1,
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }))),
    );
    const rejected = outcomes.filter((o) => o.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.length).toBeLessThan(20);
    expect((rejected[0]!.reason as Error).name).toBe('ThrottlingException');
  });
});
