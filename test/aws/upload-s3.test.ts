import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '@athena-fanout/emulator';
import { FanoutError } from '../../src/errors.js';
import { s3ObjectExists, uploadFileToS3 } from '../../src/aws/index.js';
import { tempDir } from '../helpers/arrow-fixtures.js';

let emu: RunningEmulator;
let s3: S3Client;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  emu = await startEmulator({ scenario: 'emulator/scenarios/demo.yaml' });
  s3 = new S3Client({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: emu.baseCredentials,
  });
});
afterAll(async () => {
  s3.destroy();
  await emu.close();
});
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

describe('uploadFileToS3 (against the emulator)', () => {
  it('uploads a 20 MB file in parts; the object is the file, byte for byte', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    const local = join(dir, 'big.bin');
    await writeFile(local, bytes);
    expect(await s3ObjectExists(s3, 's3://out-bucket/x/big.bin')).toBe(false);
    await uploadFileToS3(s3, local, 's3://out-bucket/x/big.bin', { sse: 'aws:kms', kmsKeyId: 'alias/k' });
    expect(Buffer.compare(emu.s3.get('out-bucket', 'x/big.bin')!, bytes)).toBe(0);
    expect(await s3ObjectExists(s3, 's3://out-bucket/x/big.bin')).toBe(true);
  });

  it('fails naming the URL and AWS code, leaving no object', async () => {
    const local = join(dir, 'small.bin');
    await writeFile(local, 'abc');
    const denied = new S3Client({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIANOBODY', secretAccessKey: 'x' },
    });
    try {
      const err = await uploadFileToS3(denied, local, 's3://out-bucket/denied.bin').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FanoutError);
      expect((err as FanoutError).message).toMatch(
        /^uploading s3:\/\/out-bucket\/denied.bin failed: InvalidAccessKeyId/,
      );
      expect(emu.s3.get('out-bucket', 'denied.bin')).toBeUndefined();
    } finally {
      denied.destroy();
    }
  });
});
