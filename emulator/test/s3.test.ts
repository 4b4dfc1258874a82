import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
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
  emu = await startEmulator({ scenario: smallScenario() });
  s3 = new S3Client({ endpoint: emu.endpoint, region: 'us-east-1', credentials: BASE, maxAttempts: 1 });
});
afterAll(async () => {
  s3.destroy();
  await emu.close();
});

describe('S3', () => {
  it('puts, reads ranges, heads and deletes objects', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'b1', Key: 'dir/a b+c.txt', Body: 'hello world' }));
    const part = await s3.send(
      new GetObjectCommand({ Bucket: 'b1', Key: 'dir/a b+c.txt', Range: 'bytes=6-10' }),
    );
    expect(await part.Body!.transformToString()).toBe('world');
    expect(part.ContentRange).toBe('bytes 6-10/11');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'b1', Key: 'dir/a b+c.txt' }));
    expect(head.ContentLength).toBe(11);
    await s3.send(new DeleteObjectCommand({ Bucket: 'b1', Key: 'dir/a b+c.txt' }));
    await expect(
      s3.send(new HeadObjectCommand({ Bucket: 'b1', Key: 'dir/a b+c.txt' })),
    ).rejects.toMatchObject({
      name: 'NotFound',
    });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'b1', Key: 'dir/a b+c.txt' }))).rejects.toMatchObject(
      {
        name: 'NoSuchKey',
      },
    );
  });

  it('lists with prefix, delimiter and continuation', async () => {
    for (const key of ['p/1', 'p/2', 'p/3', 'p/sub/x', 'p/sub/y', 'q/1']) {
      await s3.send(new PutObjectCommand({ Bucket: 'b2', Key: key, Body: key }));
    }
    const keys: string[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: 'b2',
          Prefix: 'p/',
          Delimiter: '/',
          MaxKeys: 2,
          ContinuationToken: token,
        }),
      );
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
      prefixes.push(...(page.CommonPrefixes ?? []).map((c) => c.Prefix!));
      token = page.NextContinuationToken;
      pages++;
    } while (token);
    expect(keys).toEqual(['p/1', 'p/2', 'p/3']);
    expect(prefixes).toEqual(['p/sub/']);
    expect(pages).toBe(2);
  });

  it('assembles a multipart upload of a stream of unknown length', async () => {
    const chunk = Buffer.alloc(3 * 1024 * 1024, 7);
    const body = Readable.from([chunk, chunk, Buffer.from('tail')]);
    await new Upload({
      client: s3,
      params: { Bucket: 'b3', Key: 'big.bin', Body: body },
      partSize: 5 * 1024 * 1024,
    }).done();
    const stored = emu.s3.get('b3', 'big.bin')!;
    expect(stored.length).toBe(2 * chunk.length + 4);
    expect(stored.subarray(-4).toString()).toBe('tail');
    expect(emu.record.calls.filter((c) => c.action === 'UploadPart')).toHaveLength(2);
  });

  it('stores a streamed PutObject without the aws-chunked framing', async () => {
    const body = Readable.from([Buffer.from('streamed '), Buffer.from('body')]);
    await s3.send(new PutObjectCommand({ Bucket: 'b3', Key: 'stream.txt', Body: body, ContentLength: 13 }));
    const put = emu.record.calls.filter((c) => c.action === 'PutObject').at(-1)!;
    expect(put.status).toBe(200);
    expect(emu.s3.get('b3', 'stream.txt')!.toString()).toBe('streamed body');
  });

  it('rejects an unknown access key', async () => {
    const stranger = new S3Client({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIANOTKNOWN00000000', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    await expect(stranger.send(new GetObjectCommand({ Bucket: 'b2', Key: 'p/1' }))).rejects.toMatchObject({
      name: 'InvalidAccessKeyId',
    });
  });
});
