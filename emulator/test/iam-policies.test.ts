import { AthenaClient, GetWorkGroupCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { Upload } from '@aws-sdk/lib-storage';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulationCount } from '../iam/check-permission.js';
import { loadScenario, startEmulator, type RunningEmulator, type ScenarioInput } from '../index.js';
import { BASE, readerCredentials, smallScenario } from './fixture.js';

type Creds = AwsCredentialIdentity | AwsCredentialIdentityProvider;
const LIMITED = { accessKeyId: 'AKIAEMULATORLIMITED1', secretAccessKey: 'limited-secret' };
const DATA_KEY = 'arn:aws:kms:eu-west-1:<accountId>:key/1111aaaa-22bb-33cc-44dd-555555eeeeee';
const OTHER_KEY = 'arn:aws:kms:eu-west-1:222222222222:key/9999ffff-88ee-77dd-66cc-555555bbbbbb';
const TOPIC = 'arn:aws:sns:us-east-1:111111111111:alerts';

/** The role #12 describes: ListBucket under a prefix, with GetBucketLocation in the same statement. */
const dataReaderPolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['s3:ListBucket', 's3:GetBucketLocation'],
      Resource: 'arn:aws:s3:::data-<accountId>',
      Condition: { StringLike: { 's3:prefix': ['tables/*'] } },
    },
    { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data-<accountId>/tables/*' },
    { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data-<accountId>/tables/secret/*' },
    { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::results-<accountId>/*' },
    { Effect: 'Allow', Action: 'kms:Decrypt', Resource: DATA_KEY.replace('eu-west-1', '*') },
    {
      Effect: 'Allow',
      Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution'],
      Resource: 'arn:aws:athena:*:<accountId>:workgroup/primary',
    },
    { Effect: 'Allow', Action: 'organizations:DescribeOrganization', Resource: '*' },
    { Effect: 'Deny', Action: 'sns:Publish', Resource: '*' },
  ],
};

function scenario(): ScenarioInput {
  const base = smallScenario();
  return {
    ...base,
    identities: [
      ...base.identities,
      {
        ...LIMITED,
        arn: 'arn:aws:iam::111111111111:user/limited',
        policies: [
          {
            name: 'assume-one',
            document: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 'sts:AssumeRole',
                  Resource: 'arn:aws:iam::111111111111:role/OpenA',
                },
              ],
            },
          },
        ],
      },
    ],
    roles: [
      ...base.roles!,
      { arn: 'arn:aws:iam::111111111111:role/OpenA', trust: ['*'] },
      { arn: 'arn:aws:iam::111111111111:role/OpenB', trust: ['*'] },
      {
        arn: 'arn:aws:iam::<accountId>:role/Writer',
        trust: ['arn:aws:iam::111111111111:user/ci'],
        policies: [
          {
            document: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::results-<accountId>/*' },
                {
                  Effect: 'Allow',
                  Action: 'kms:GenerateDataKey',
                  Resource: 'arn:aws:kms:*:<accountId>:key/*',
                },
                {
                  Effect: 'Allow',
                  Action: 's3:DeleteObject',
                  Resource: 'arn:aws:s3:::results-<accountId>/tmp/*',
                },
              ],
            },
          },
        ],
      },
      {
        arn: 'arn:aws:iam::<accountId>:role/DataReader',
        trust: ['arn:aws:iam::111111111111:user/ci'],
        policies: [{ name: 'data-read', document: dataReaderPolicy }],
      },
    ],
    buckets: [
      {
        name: 'data-{accountId}',
        region: 'eu-west-1',
        encryption: { algorithm: 'aws:kms', kmsKeyId: DATA_KEY.replace('<accountId>', '{accountId}') },
      },
      { name: 'results-{accountId}', encryption: { algorithm: 'aws:kms', kmsKeyId: 'alias/results' } },
    ],
    topics: [{ arn: TOPIC }],
  };
}

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ scenario: scenario() });
  // Written with the policy-free base identity: the bucket default (aws:kms, DATA_KEY) applies.
  const s3 = s3Client(BASE);
  await s3.send(new PutObjectCommand({ Bucket: 'data-222222222222', Key: 'tables/t/part-0', Body: 'rows' }));
  await s3.send(new PutObjectCommand({ Bucket: 'data-222222222222', Key: 'tables/secret/p', Body: 'pw' }));
  await s3.send(
    new PutObjectCommand({
      Bucket: 'data-222222222222',
      Key: 'tables/other-key/part-0',
      Body: 'rows',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: OTHER_KEY,
    }),
  );
  s3.destroy();
});
afterAll(async () => {
  await emu.close();
});

const clientConfig = (region = 'us-east-1') => ({ endpoint: emu.endpoint, region, maxAttempts: 1 });
const s3Client = (credentials: Creds, region = 'us-east-1') =>
  new S3Client({ ...clientConfig(region), credentials, forcePathStyle: true });
const dataReader = (
  account: string,
  session = 'reader',
  role = 'DataReader',
): AwsCredentialIdentityProvider =>
  fromTemporaryCredentials({
    clientConfig: clientConfig(),
    masterCredentials: BASE,
    params: { RoleArn: `arn:aws:iam::${account}:role/${role}`, RoleSessionName: session },
  });
const readerArn = (account: string, session = 'reader') =>
  `arn:aws:sts::${account}:assumed-role/DataReader/${session}`;

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('IAM identity policies: S3', () => {
  it('allows ListBucket only under the prefix the condition names, with S3’s words otherwise', async () => {
    const s3 = s3Client(dataReader('222222222222'));
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: 'data-222222222222', Prefix: 'tables/t/' }),
    );
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['tables/t/part-0']);
    const err = await errorOf(s3.send(new ListObjectsV2Command({ Bucket: 'data-222222222222' })));
    expect(err.name).toBe('AccessDenied');
    expect(err.message).toBe(
      `User: ${readerArn('222222222222')} is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::data-222222222222" because no identity-based policy allows the s3:ListBucket action`,
    );
    s3.destroy();
  });

  it('denies GetBucketLocation granted only in the statement with the s3:prefix condition (#12)', async () => {
    const s3 = s3Client(dataReader('222222222222'));
    const err = await errorOf(s3.send(new GetBucketLocationCommand({ Bucket: 'data-222222222222' })));
    expect(err.message).toBe(
      `User: ${readerArn('222222222222')} is not authorized to perform: s3:GetBucketLocation on resource: "arn:aws:s3:::data-222222222222" because no identity-based policy allows the s3:GetBucketLocation action`,
    );
    s3.destroy();
  });

  it('lets an explicit Deny win over an Allow', async () => {
    const s3 = s3Client(dataReader('222222222222'));
    const ok = await s3.send(new GetObjectCommand({ Bucket: 'data-222222222222', Key: 'tables/t/part-0' }));
    expect(await ok.Body!.transformToString()).toBe('rows');
    const err = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: 'data-222222222222', Key: 'tables/secret/p' })),
    );
    expect(err.message).toBe(
      `User: ${readerArn('222222222222')} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::data-222222222222/tables/secret/p" with an explicit deny in an identity-based policy`,
    );
    s3.destroy();
  });

  it('needs kms:Decrypt on the object’s key to read SSE-KMS data, and names the key when refused', async () => {
    const s3 = s3Client(dataReader('222222222222'));
    const err = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: 'data-222222222222', Key: 'tables/other-key/part-0' })),
    );
    expect(err.name).toBe('AccessDenied');
    expect(err.message).toBe(
      `User: ${readerArn('222222222222')} is not authorized to perform: kms:Decrypt on resource: ${OTHER_KEY} because no identity-based policy allows the kms:Decrypt action`,
    );
    s3.destroy();
  });

  it('needs kms:GenerateDataKey to write into a bucket whose default is aws:kms; an alias resolves to a key ARN', async () => {
    const s3 = s3Client(dataReader('222222222222'));
    const err = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: 'results-222222222222', Key: 'r.csv', Body: 'x' })),
    );
    expect(err.message).toMatch(
      /^User: arn:aws:sts::222222222222:assumed-role\/DataReader\/reader is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:222222222222:key\/[0-9a-f-]{36} because no identity-based policy allows the kms:GenerateDataKey action$/,
    );
    const multipart = await errorOf(
      s3.send(new CreateMultipartUploadCommand({ Bucket: 'results-222222222222', Key: 'big.csv' })),
    );
    expect(multipart.message).toContain('kms:GenerateDataKey');
    // SSE-S3 asked for explicitly needs no KMS permission.
    await s3.send(
      new PutObjectCommand({
        Bucket: 'results-222222222222',
        Key: 'r.csv',
        Body: 'x',
        ServerSideEncryption: 'AES256',
      }),
    );
    expect(emu.s3.get('results-222222222222', 'r.csv')?.toString()).toBe('x');
    s3.destroy();
  });

  it('needs kms:Decrypt as well to add parts to an SSE-KMS multipart upload', async () => {
    const s3 = s3Client(dataReader('222222222222', 'writer', 'Writer'));
    await s3.send(new PutObjectCommand({ Bucket: 'results-222222222222', Key: 'small.csv', Body: 'x' }));
    const upload = new Upload({
      client: s3,
      params: { Bucket: 'results-222222222222', Key: 'big.csv', Body: Buffer.alloc(6 * 1024 * 1024, 1) },
      partSize: 5 * 1024 * 1024,
      leavePartsOnError: true,
    });
    const err = await errorOf(upload.done());
    expect(err.message).toMatch(
      /^User: arn:aws:sts::222222222222:assumed-role\/Writer\/writer is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:222222222222:key\/[0-9a-f-]{36} because no identity-based policy allows the kms:Decrypt action$/,
    );
    expect(emu.record.calls.some((c) => c.action === 'CreateMultipartUpload' && c.status === 200)).toBe(true);
    s3.destroy();
  });

  it('decides DeleteObjects key by key: refused keys come back as AccessDenied errors and stay', async () => {
    const admin = s3Client(BASE);
    for (const Key of ['tmp/a', 'keep/b']) {
      await admin.send(new PutObjectCommand({ Bucket: 'results-222222222222', Key, Body: 'x' }));
    }
    const s3 = s3Client(dataReader('222222222222', 'writer', 'Writer'));
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'results-222222222222',
        Delete: { Objects: [{ Key: 'tmp/a' }, { Key: 'keep/b' }] },
      }),
    );
    expect(out.Deleted?.map((d) => d.Key)).toEqual(['tmp/a']);
    expect(out.Errors).toEqual([{ Key: 'keep/b', Code: 'AccessDenied', Message: 'Access Denied' }]);
    expect(emu.s3.keys('results-222222222222')).toContain('keep/b');
    expect(emu.s3.keys('results-222222222222')).not.toContain('tmp/a');
    admin.destroy();
    s3.destroy();
  });

  it('answers a missing key with 403 unless the caller may list the bucket', async () => {
    const reader = s3Client(dataReader('222222222222'));
    const denied = await errorOf(
      reader.send(new GetObjectCommand({ Bucket: 'data-222222222222', Key: 'tables/t/gone' })),
    );
    expect(denied).toMatchObject({ name: 'AccessDenied', message: 'Access Denied' });
    const admin = s3Client(BASE);
    const missing = await errorOf(
      admin.send(new GetObjectCommand({ Bucket: 'data-222222222222', Key: 'tables/t/gone' })),
    );
    expect(missing.name).toBe('NoSuchKey');
    reader.destroy();
    admin.destroy();
  });

  it('checks multipart housekeeping on its own actions', async () => {
    const admin = s3Client(BASE);
    const { UploadId } = await admin.send(
      new CreateMultipartUploadCommand({ Bucket: 'results-222222222222', Key: 'left.csv' }),
    );
    const s3 = s3Client(dataReader('222222222222'));
    const abort = await errorOf(
      s3.send(new AbortMultipartUploadCommand({ Bucket: 'results-222222222222', Key: 'left.csv', UploadId })),
    );
    expect(abort.message).toContain(
      's3:AbortMultipartUpload on resource: "arn:aws:s3:::results-222222222222/left.csv"',
    );
    const list = await errorOf(s3.send(new ListMultipartUploadsCommand({ Bucket: 'results-222222222222' })));
    expect(list.message).toContain(
      's3:ListBucketMultipartUploads on resource: "arn:aws:s3:::results-222222222222"',
    );
    await admin.send(
      new AbortMultipartUploadCommand({ Bucket: 'results-222222222222', Key: 'left.csv', UploadId }),
    );
    admin.destroy();
    s3.destroy();
  });

  it('uses the partition of the region in ARNs', async () => {
    const s3 = s3Client(dataReader('222222222222'), 'cn-north-1');
    const err = await errorOf(
      s3.send(new ListObjectsV2Command({ Bucket: 'data-222222222222', Prefix: 'tables/' })),
    );
    expect(err.message).toContain('s3:ListBucket on resource: "arn:aws-cn:s3:::data-222222222222"');
    s3.destroy();
  });
});

describe('scenario buckets without policies', () => {
  it('answers GetBucketLocation and GetBucketEncryption from the scenario, S3’s defaults otherwise', async () => {
    const s3 = s3Client(BASE);
    expect(
      (await s3.send(new GetBucketLocationCommand({ Bucket: 'data-333333333333' }))).LocationConstraint,
    ).toBe('eu-west-1');
    expect(
      (await s3.send(new GetBucketLocationCommand({ Bucket: 'results-333333333333' }))).LocationConstraint ??
        '',
    ).toBe('');
    const data = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'data-333333333333' }));
    expect(data.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: DATA_KEY.replace('<accountId>', '333333333333'),
    });
    const results = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'results-333333333333' }));
    const again = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'results-333333333333' }));
    const resultsKey =
      results.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
    expect(resultsKey?.KMSMasterKeyID).toMatch(/^arn:aws:kms:us-east-1:333333333333:key\/[0-9a-f-]{36}$/);
    expect(again.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault).toEqual(
      resultsKey,
    );
    const unlisted = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'anything' }));
    expect(
      unlisted.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault,
    ).toEqual({
      SSEAlgorithm: 'AES256',
    });
    // PutObject without SSE headers takes the bucket default.
    await s3.send(new PutObjectCommand({ Bucket: 'data-333333333333', Key: 'k', Body: 'x' }));
    expect(emu.s3.encryption('data-333333333333', 'k')).toMatchObject({
      algorithm: 'aws:kms',
      kmsKeyId: DATA_KEY.replace('<accountId>', '333333333333'),
      requested: {},
    });
    s3.destroy();
  });
});

describe('IAM identity policies: Athena, Organizations, SNS, STS', () => {
  it('authorizes Athena on the workgroup ARN', async () => {
    const athena = new AthenaClient({ ...clientConfig(), credentials: dataReader('222222222222') });
    const ok = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT 1',
        ResultConfiguration: { OutputLocation: 's3://results-222222222222/q/' },
      }),
    );
    expect(ok.QueryExecutionId).toBeDefined();
    const err = await errorOf(athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' })));
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toBe(
      `User: ${readerArn('222222222222')} is not authorized to perform: athena:GetWorkGroup on resource: arn:aws:athena:us-east-1:222222222222:workgroup/primary because no identity-based policy allows the athena:GetWorkGroup action`,
    );
    athena.destroy();
  });

  it('authorizes Organizations on * and ListTagsForResource on the account ARN', async () => {
    const org = new OrganizationsClient({ ...clientConfig(), credentials: dataReader('111111111111') });
    expect((await org.send(new DescribeOrganizationCommand({}))).Organization?.Id).toBe('o-exampleorg01');
    const list = await errorOf(org.send(new ListAccountsCommand({})));
    expect(list.name).toBe('AccessDeniedException');
    expect(list.message).toBe(
      `User: ${readerArn('111111111111')} is not authorized to perform: organizations:ListAccounts on resource: * because no identity-based policy allows the organizations:ListAccounts action`,
    );
    const tags = await errorOf(org.send(new ListTagsForResourceCommand({ ResourceId: '222222222222' })));
    expect(tags.message).toContain(
      'organizations:ListTagsForResource on resource: arn:aws:organizations::111111111111:account/o-exampleorg01/222222222222 because',
    );
    org.destroy();
  });

  it('refuses SNS Publish on an explicit deny even within the topic’s account', async () => {
    const sns = new SNSClient({ ...clientConfig(), credentials: dataReader('111111111111') });
    const err = await errorOf(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x' })));
    expect(err.name).toBe('AuthorizationErrorException');
    expect(err.message).toBe(
      `User: ${readerArn('111111111111')} is not authorized to perform: SNS:Publish on resource: ${TOPIC} with an explicit deny in an identity-based policy`,
    );
    sns.destroy();
  });

  it('needs sts:AssumeRole in the caller’s own policy besides the role’s trust', async () => {
    const sts = new STSClient({ ...clientConfig(), credentials: LIMITED });
    const a = await sts.send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111111111111:role/OpenA', RoleSessionName: 'sess' }),
    );
    expect(a.AssumedRoleUser?.Arn).toBe('arn:aws:sts::111111111111:assumed-role/OpenA/sess');
    const err = await errorOf(
      sts.send(
        new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111111111111:role/OpenB', RoleSessionName: 'sess' }),
      ),
    );
    expect(err.name).toBe('AccessDenied');
    expect(err.message).toBe(
      'User: arn:aws:iam::111111111111:user/limited is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/OpenB because no identity-based policy allows the sts:AssumeRole action',
    );
    sts.destroy();
  });
});

describe('decision cache', () => {
  it('does not carry one principal’s decision over to another, and reuses its own', async () => {
    const request = new GetObjectCommand({ Bucket: 'data-222222222222', Key: 'tables/t/part-0' });
    const mine = s3Client(dataReader('222222222222', 'cache'));
    await mine.send(request);
    const before = simulationCount();
    for (let i = 0; i < 5; i++) await (await mine.send(request)).Body!.transformToString();
    expect(simulationCount()).toBe(before);
    // Same role template in another account: its policy names data-333333333333 only.
    const other = s3Client(dataReader('333333333333', 'cache'));
    expect((await errorOf(other.send(request))).message).toContain(
      `User: ${readerArn('333333333333', 'cache')} is not authorized to perform: s3:GetObject`,
    );
    // A role without policies is not affected by either decision.
    const open = s3Client(readerCredentials(emu.endpoint, '222222222222'));
    expect(await (await open.send(request)).Body!.transformToString()).toBe('rows');
    for (const c of [mine, other, open]) c.destroy();
  });
});

describe('policy validation at load', () => {
  it('names the field of an invalid bucket', async () => {
    const bad = scenario();
    bad.buckets = [{ name: 'data-{accountId}', region: 'Europe' }];
    await expect(loadScenario(bad)).rejects.toThrow(/buckets\.0\.region: must be a region/);
  });

  it('names the field of an invalid policy document', async () => {
    const bad = scenario();
    bad.roles!.push({
      arn: 'arn:aws:iam::111111111111:role/Broken',
      trust: ['*'],
      policies: [
        {
          document: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Alow', Action: 's3:GetObject', Resource: '*' }],
          },
        },
      ],
    });
    const index = bad.roles!.length - 1;
    await expect(loadScenario(bad)).rejects.toThrow(
      new RegExp(
        `roles\\.${index}\\.policies\\.0\\.document: Statement\\[0\\]\\.Effect: Effect must be present`,
      ),
    );
  });
});
