import {
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../index.js';
import { BASE, smallScenario } from './fixture.js';

let emu: RunningEmulator;
let s3: S3Client;
beforeAll(async () => {
  emu = await startEmulator({
    scenario: smallScenario({
      failS3: [
        { action: 'UploadPart', match: 'doomed/', code: 'InternalError', status: 500 },
        { action: 'PutObject', match: 'once/', times: 1, code: 'SlowDown', status: 503 },
      ],
    }),
  });
  s3 = new S3Client({ endpoint: emu.endpoint, region: 'us-east-1', credentials: BASE, maxAttempts: 1 });
});
afterAll(async () => {
  s3.destroy();
  await emu.close();
});

describe('S3 server-side encryption', () => {
  it('reports on HeadObject what PutObject asked for, and SSE-S3 when it asked for nothing', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'e1',
        Key: 'kms.txt',
        Body: 'x',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'alias/exports',
        BucketKeyEnabled: true,
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'e1', Key: 'plain.txt', Body: 'x' }));
    const kms = await s3.send(new HeadObjectCommand({ Bucket: 'e1', Key: 'kms.txt' }));
    expect(kms).toMatchObject({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'alias/exports',
      BucketKeyEnabled: true,
    });
    const plain = await s3.send(new HeadObjectCommand({ Bucket: 'e1', Key: 'plain.txt' }));
    expect(plain.ServerSideEncryption).toBe('AES256');
    expect(plain.SSEKMSKeyId).toBeUndefined();
    expect(emu.s3.encryption('e1', 'plain.txt')!.requested).toEqual({});
    const put = emu.record.calls.find((c) => c.action === 'PutObject' && c.params.Key === 'kms.txt')!;
    expect(put.params).toMatchObject({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'alias/exports',
      BucketKeyEnabled: 'true',
    });
  });

  it('keeps a multipart upload’s encryption from CreateMultipartUpload; aws:kms without a key is the managed key', async () => {
    await new Upload({
      client: s3,
      params: {
        Bucket: 'e1',
        Key: 'big.bin',
        Body: Buffer.alloc(6 * 1024 * 1024, 1),
        ServerSideEncryption: 'aws:kms',
      },
      partSize: 5 * 1024 * 1024,
    }).done();
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'e1', Key: 'big.bin' }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toBe('arn:aws:kms:us-east-1:111111111111:alias/aws/s3');
    expect(emu.s3.encryption('e1', 'big.bin')!.requested).toEqual({
      'x-amz-server-side-encryption': 'aws:kms',
    });
  });

  it('refuses a KMS key id without aws:kms, and unknown algorithms, as S3 does', async () => {
    await expect(
      s3.send(
        new PutObjectCommand({
          Bucket: 'e1',
          Key: 'bad',
          Body: 'x',
          ServerSideEncryption: 'AES256',
          SSEKMSKeyId: 'k',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
    await expect(
      s3.send(
        new CreateMultipartUploadCommand({
          Bucket: 'e1',
          Key: 'bad',
          ServerSideEncryption: 'rot13' as 'AES256',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
    expect(emu.s3.get('e1', 'bad')).toBeUndefined();
  });
});

describe('S3 lists, batch deletes and injected faults', () => {
  it('DeleteObjects removes the listed keys; ListObjectsV2 no longer sees them', async () => {
    for (const k of ['d/a=1/x', 'd/a=2/y', 'd/keep']) {
      await s3.send(new PutObjectCommand({ Bucket: 'e2', Key: k, Body: k }));
    }
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'e2',
        Delete: { Objects: [{ Key: 'd/a=1/x' }, { Key: 'd/a=2/y' }] },
      }),
    );
    expect(out.Deleted?.map((d) => d.Key)).toEqual(['d/a=1/x', 'd/a=2/y']);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'e2', Prefix: 'd/' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['d/keep']);
  });

  it('fails UploadPart under a matching key; lib-storage aborts, so no upload is left open', async () => {
    const upload = new Upload({
      client: s3,
      params: { Bucket: 'e2', Key: 'doomed/big.bin', Body: Buffer.alloc(11 * 1024 * 1024, 2) },
      partSize: 5 * 1024 * 1024,
      leavePartsOnError: false,
    });
    await expect(upload.done()).rejects.toMatchObject({ name: 'InternalError' });
    expect(
      emu.record.calls.some((c) => c.action === 'CreateMultipartUpload' && c.params.Key === 'doomed/big.bin'),
    ).toBe(true);
    expect(emu.record.calls.some((c) => c.action === 'AbortMultipartUpload')).toBe(true);
    const open = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'e2' }));
    expect(open.Uploads ?? []).toEqual([]);
    expect(emu.s3.get('e2', 'doomed/big.bin')).toBeUndefined();
  });

  it('ListMultipartUploads shows an upload until it is completed or aborted; `times` limits a fault', async () => {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'e2', Key: 'open/one' }));
    const open = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'e2', Prefix: 'open/' }));
    expect(open.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['open/one', created.UploadId]]);
    expect(emu.s3.pendingUploads()).toEqual(['e2/open/one']);

    await expect(
      s3.send(new PutObjectCommand({ Bucket: 'e2', Key: 'once/a', Body: 'x' })),
    ).rejects.toMatchObject({
      name: 'SlowDown',
    });
    await s3.send(new PutObjectCommand({ Bucket: 'e2', Key: 'once/a', Body: 'x' }));
    expect(emu.s3.get('e2', 'once/a')!.toString()).toBe('x');
  });
});
