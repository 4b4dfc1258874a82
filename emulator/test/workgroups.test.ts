import {
  AthenaClient,
  GetWorkGroupCommand,
  InvalidRequestException,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../index.js';
import { catalogScenario, roleCredentials, runQuery } from './catalog-fixture.js';

const RESULTS_KEY = 'arn:aws:kms:us-east-1:222222222222:key/results';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({
    scenario: catalogScenario({
      workgroups: {
        all: [
          {
            name: 'analytics',
            outputLocation: 's3://wg-results-{accountId}/analytics/',
            enforce: true,
            encryption: { option: 'SSE_KMS', kmsKey: 'arn:aws:kms:us-east-1:{accountId}:key/results' },
          },
          { name: 'retired', state: 'DISABLED' },
          { name: 'capped', bytesScannedCutoffPerQuery: 50 },
        ],
        '333333333333': [{ name: 'analytics', outputLocation: 's3://wg-results-{accountId}/analytics/' }],
      },
    }),
  });
});
afterAll(async () => {
  await emu.close();
});

const athena = (accountId = '222222222222') =>
  new AthenaClient({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: roleCredentials(emu.endpoint, accountId, 'AthenaReader'),
  });

describe('workgroups per account', () => {
  it('an enforcing workgroup puts results in its own location, encrypted as it says, and reports where', async () => {
    const qe = await runQuery(athena(), 'SELECT id FROM inventory', { workgroup: 'analytics' });
    expect(qe.Status!.State).toBe('SUCCEEDED');
    const id = qe.QueryExecutionId!;
    expect(qe.ResultConfiguration).toEqual({
      OutputLocation: `s3://wg-results-222222222222/analytics/${id}.csv`,
      EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: RESULTS_KEY },
    });
    expect(emu.s3.encryption('wg-results-222222222222', `analytics/${id}.csv`)).toMatchObject({
      algorithm: 'aws:kms',
      kmsKeyId: RESULTS_KEY,
    });
    // The location the request asked for gets nothing.
    expect(emu.s3.get('results-bucket', `athena/${id}.csv`)).toBeUndefined();
  });

  it('a workgroup that does not enforce lets the request choose the location', async () => {
    const qe = await runQuery(athena('333333333333'), 'SELECT 1', { workgroup: 'analytics' });
    expect(qe.ResultConfiguration!.OutputLocation).toBe(
      `s3://results-bucket/athena/${qe.QueryExecutionId!}.csv`,
    );
    expect(qe.ResultConfiguration!.EncryptionConfiguration).toBeUndefined();
  });

  it('refuses a disabled or unknown workgroup at StartQueryExecution', async () => {
    const start = (workgroup: string) =>
      athena().send(
        new StartQueryExecutionCommand({
          QueryString: 'SELECT 1',
          WorkGroup: workgroup,
          ResultConfiguration: { OutputLocation: 's3://results-bucket/athena/' },
        }),
      );
    await expect(start('retired')).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(start('retired')).rejects.toThrow('WorkGroup is disabled');
    await expect(start('nope')).rejects.toThrow('WorkGroup nope is not found.');
  });

  it('stops a query that would scan more than the cutoff, with Athena reason', async () => {
    const client = athena();
    expect((await runQuery(client, 'SELECT 1 AS x', { workgroup: 'capped' })).Status!.State).toBe(
      'SUCCEEDED',
    );
    const qe = await runQuery(client, 'SELECT * FROM range(1000)', { workgroup: 'capped' });
    expect(qe.Status!.State).toBe('CANCELLED');
    expect(qe.Status!.StateChangeReason).toBe('Bytes scanned limit was exceeded');
    expect(qe.Statistics!.DataScannedInBytes).toBe(50);
    expect(emu.s3.get('results-bucket', `athena/${qe.QueryExecutionId!}.csv`)).toBeUndefined();
  });

  it('GetWorkGroup answers the configuration; primary keeps its defaults', async () => {
    const client = athena();
    const { WorkGroup: analytics } = await client.send(new GetWorkGroupCommand({ WorkGroup: 'analytics' }));
    expect(analytics).toMatchObject({
      Name: 'analytics',
      State: 'ENABLED',
      Configuration: {
        ResultConfiguration: {
          OutputLocation: 's3://wg-results-222222222222/analytics/',
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: RESULTS_KEY },
        },
        EnforceWorkGroupConfiguration: true,
      },
    });
    const { WorkGroup: capped } = await client.send(new GetWorkGroupCommand({ WorkGroup: 'capped' }));
    expect(capped!.Configuration!.BytesScannedCutoffPerQuery).toBe(50);
    const { WorkGroup: retired } = await client.send(new GetWorkGroupCommand({ WorkGroup: 'retired' }));
    expect(retired!.State).toBe('DISABLED');
    const { WorkGroup: primary } = await client.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }));
    expect(primary).toMatchObject({
      State: 'ENABLED',
      Configuration: { ResultConfiguration: {}, EnforceWorkGroupConfiguration: false },
    });
    await expect(client.send(new GetWorkGroupCommand({ WorkGroup: 'nope' }))).rejects.toThrow(
      'WorkGroup nope is not found.',
    );
  });
});

describe('checkResultsAccess: Athena uses the output location as the caller', () => {
  let strict: RunningEmulator;
  beforeAll(async () => {
    strict = await startEmulator({
      scenario: catalogScenario(
        {
          workgroups: {
            all: [
              {
                name: 'sealed',
                outputLocation: 's3://sealed-{accountId}/results/',
                enforce: true,
                encryption: { option: 'SSE_KMS', kmsKey: 'arn:aws:kms:us-east-1:{accountId}:key/results' },
              },
            ],
          },
        },
        { checkResultsAccess: true },
      ),
    });
  });
  afterAll(async () => {
    await strict.close();
  });
  const client = (role: string) =>
    new AthenaClient({
      endpoint: strict.endpoint,
      region: 'us-east-1',
      credentials: roleCredentials(strict.endpoint, '222222222222', role),
    });

  it('refuses to start without s3:GetBucketLocation on the output bucket', async () => {
    const start = client('NoS3').send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT 1',
        ResultConfiguration: { OutputLocation: 's3://results-bucket/athena/' },
      }),
    );
    await expect(start).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(start).rejects.toThrow('Unable to verify/create output bucket results-bucket');
  });

  it('fails the query when the results cannot be encrypted with the workgroup key', async () => {
    expect((await runQuery(client('AthenaReader'), 'SELECT 1', { workgroup: 'sealed' })).Status!.State).toBe(
      'SUCCEEDED',
    );
    const qe = await runQuery(client('NoKms'), 'SELECT 1', { workgroup: 'sealed' });
    expect(qe.Status!.State).toBe('FAILED');
    expect(qe.Status!.AthenaError).toMatchObject({ ErrorCategory: 2, ErrorType: 401, Retryable: false });
    expect(qe.Status!.StateChangeReason).toBe(
      `Access denied when writing output to url: s3://sealed-222222222222/results/${qe.QueryExecutionId!}.csv . Please ensure you are allowed to access the S3 bucket. If you are encrypting query results with KMS key, please ensure you are allowed to access your KMS key`,
    );
    expect(strict.s3.get('sealed-222222222222', `results/${qe.QueryExecutionId!}.csv`)).toBeUndefined();
  });
});
