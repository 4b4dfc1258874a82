import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Binary, makeData } from 'apache-arrow';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type RunningEmulator, startEmulator } from '@athena-fanout/emulator';
import { type UnitValue, writeOutputs } from '../../src/run/index.js';
import type { PipelineConfig, SinkConfig } from '../../src/config/index.js';
import { spillBatches } from '../../src/sinks/index.js';
import { smallScenario } from '../helpers/small-org.js';
import { batchOf, int64Col, openDuckDB, query, tempDir, utf8Col } from '../helpers/arrow-fixtures.js';

const A = '111111111111';
const B = '222222222222';
const BUCKET = 'lake-bucket';
const KMS = {
  'x-amz-server-side-encryption': 'aws:kms',
  'x-amz-server-side-encryption-aws-kms-key-id': 'alias/lake',
};

let emu: RunningEmulator;
let s3: S3Client;
let dir: string;
let cleanup: () => Promise<void>;
let duck: Awaited<ReturnType<typeof openDuckDB>>;
const silent = pino({ level: 'silent' });

beforeAll(async () => {
  emu = await startEmulator({
    scenario: smallScenario({
      // Every part upload of account B in the `doomed` dataset fails (after the SDK's retries).
      failS3: [{ action: 'UploadPart', match: `query=doomed/account_id=${B}/`, code: 'InternalError' }],
    }),
  });
  s3 = new S3Client({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: emu.baseCredentials,
  });
  duck = await openDuckDB();
});
afterAll(async () => {
  s3.destroy();
  duck.close();
  await emu.close();
});
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  // writeOutputs uploads with the SDK's default credentials and endpoint, as the CLI does.
  vi.stubEnv('AWS_ENDPOINT_URL', emu.endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', emu.baseCredentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', emu.baseCredentials.secretAccessKey);
  vi.stubEnv('AWS_SESSION_TOKEN', undefined);
  vi.stubEnv('AWS_PROFILE', undefined);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await cleanup();
});

let spills = 0;
/** One succeeded unit; `blobBytes` > 0 adds a column of random bytes so the part needs a multipart upload. */
async function unit(q: string, accountId: string, ids: bigint[], blobBytes = 0): Promise<UnitValue> {
  const columns: Parameters<typeof batchOf>[0] = {
    account_id: utf8Col(ids.map(() => accountId)),
    id: int64Col(ids),
  };
  if (blobBytes > 0) {
    const each = Math.ceil(blobBytes / ids.length);
    const offsets = Int32Array.from({ length: ids.length + 1 }, (_, i) => i * each);
    columns.blob = makeData({
      type: new Binary(),
      length: ids.length,
      nullCount: 0,
      valueOffsets: offsets,
      data: randomBytes(each * ids.length),
    });
  }
  const batch = batchOf(columns);
  const data = await spillBatches(join(dir, `spill-${spills++}.arrows`), batch.schema, [batch]);
  return {
    record: { accountId, query: q, state: 'succeeded', attempts: 1, queryExecutionIds: [], rows: ids.length },
    data,
  };
}

function config(q: string, sink: Partial<SinkConfig>): PipelineConfig {
  return {
    queries: [{ name: q, schema: 'union', provenance: [{ field: 'account_id', name: 'account_id' }] }],
    sinks: [
      {
        type: 'parquet',
        path: `s3://${BUCKET}/lake/`,
        compression: 'zstd',
        ifExists: 'overwrite',
        layout: 'partitioned',
        sse: 'aws:kms',
        kmsKeyId: 'alias/lake',
        ...sink,
      },
    ],
    region: 'us-east-1',
  } as unknown as PipelineConfig;
}

async function keys(prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((c) => c.Key!.slice(prefix.length));
}

/** Downloads every object under `prefix` with the SDK into `dir/download`, keeping the key layout. */
async function download(prefix: string): Promise<string> {
  const root = join(dir, 'download');
  for (const key of await keys(prefix)) {
    const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: prefix + key }));
    const file = join(root, key);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, await obj.Body!.transformToByteArray());
  }
  return root;
}

const callsFrom = (n: number) => emu.record.calls.slice(n).filter((c) => c.service === 's3');
const lastIndex = (calls: typeof emu.record.calls, pred: (c: (typeof calls)[number]) => boolean) =>
  calls.findLastIndex(pred);

describe('writeOutputs: partitioned layout on s3:// (emulator, real SDK)', () => {
  it('uploads every part whole, SSE-KMS on each, then _SUCCESS with the dataset manifest; readable as one table', async () => {
    const start = emu.record.calls.length;
    const units = [
      await unit('inv', A, [1n, 2n]),
      await unit('inv', B, [3n], 9 * 1024 * 1024), // > the 8 MiB part size: a real multipart upload
      await unit('inv', B, [4n, 5n]),
    ];
    const { outputs } = await writeOutputs(config('inv', { bucketKey: true }), 'run-1', units, silent);
    expect(outputs).toEqual([
      expect.objectContaining({
        query: 'inv',
        type: 'parquet',
        path: `s3://${BUCKET}/lake/query=inv`,
        rows: 5,
      }),
    ]);
    const prefix = 'lake/query=inv/';
    expect(await keys(prefix)).toEqual([
      '_SUCCESS',
      `account_id=${A}/part-0000.parquet`,
      `account_id=${B}/part-0000.parquet`,
      `account_id=${B}/part-0001.parquet`,
    ]);

    // The big part went through CreateMultipartUpload + UploadPart ×2 + Complete; _SUCCESS came last.
    const calls = callsFrom(start);
    const big = `${prefix}account_id=${B}/part-0000.parquet`;
    expect(
      calls.filter((c) => c.action === 'UploadPart' && c.params.Key === big).length,
    ).toBeGreaterThanOrEqual(2);
    const success = lastIndex(calls, (c) => c.action === 'PutObject' && c.params.Key === `${prefix}_SUCCESS`);
    const lastPart = lastIndex(
      calls,
      (c) =>
        ['PutObject', 'CompleteMultipartUpload'].includes(c.action) && /part-\d+/.test(String(c.params.Key)),
    );
    expect(success).toBeGreaterThan(lastPart);
    expect(emu.s3.pendingUploads()).toEqual([]);

    // SSE: every object, single-part, multipart and the marker, carried the sink's settings.
    const wanted = { ...KMS, 'x-amz-server-side-encryption-bucket-key-enabled': 'true' };
    for (const key of await keys(prefix)) {
      expect(emu.s3.encryption(BUCKET, prefix + key)!.requested, key).toEqual(wanted);
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: prefix + key }));
      expect(head, key).toMatchObject({
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'alias/lake',
        BucketKeyEnabled: true,
      });
    }
    expect(
      calls.find((c) => c.action === 'CreateMultipartUpload' && c.params.Key === big)!.params,
    ).toMatchObject({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'alias/lake',
    });

    const manifest = JSON.parse(emu.s3.get(BUCKET, `${prefix}_SUCCESS`)!.toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({
      query: 'inv',
      runId: 'run-1',
      format: 'parquet',
      partitionColumn: 'account_id',
      rows: 5,
    });
    expect(manifest.files).toEqual([
      expect.objectContaining({ path: `account_id=${A}/part-0000.parquet`, accountId: A, rows: 2 }),
      expect.objectContaining({ path: `account_id=${B}/part-0000.parquet`, accountId: B, rows: 1 }),
      expect.objectContaining({ path: `account_id=${B}/part-0001.parquet`, accountId: B, rows: 2 }),
    ]);

    const local = await download(prefix);
    const rows = await query(
      duck.conn,
      `SELECT account_id::VARCHAR AS account_id, id::VARCHAR AS id, coalesce(octet_length(blob), 0)::INTEGER AS blob
       FROM read_parquet('${local}/*/*.parquet', hive_partitioning = true, hive_types_autocast = false) ORDER BY id`,
    );
    expect(rows).toEqual([
      { account_id: A, id: '1', blob: 0 },
      { account_id: A, id: '2', blob: 0 },
      { account_id: B, id: '3', blob: 9 * 1024 * 1024 },
      { account_id: B, id: '4', blob: 0 },
      { account_id: B, id: '5', blob: 0 },
    ]);
  });

  it('overwrite removes parts the run did not write, after the new parts and before _SUCCESS', async () => {
    const prefix = 'lake/query=ow/';
    await writeOutputs(
      config('ow', {}),
      'r1',
      [await unit('ow', A, [1n]), await unit('ow', B, [2n]), await unit('ow', B, [3n])],
      silent,
    );
    const start = emu.record.calls.length;
    await writeOutputs(config('ow', {}), 'r2', [await unit('ow', B, [4n])], silent);
    expect(await keys(prefix)).toEqual(['_SUCCESS', `account_id=${B}/part-0000.parquet`]);
    const calls = callsFrom(start);
    const removed = lastIndex(calls, (c) => c.action === 'DeleteObjects');
    const marker = (action: string) =>
      lastIndex(calls, (c) => c.action === action && c.params.Key === `${prefix}_SUCCESS`);
    const newPart = lastIndex(
      calls,
      (c) => c.action === 'PutObject' && /part-0000/.test(String(c.params.Key)),
    );
    expect(marker('DeleteObject')).toBeLessThan(newPart);
    expect(newPart).toBeLessThan(removed);
    expect(removed).toBeLessThan(marker('PutObject'));
    const local = await download(prefix);
    const rows = await query(duck.conn, `SELECT id::VARCHAR AS id FROM read_parquet('${local}/*/*.parquet')`);
    expect(rows).toEqual([{ id: '4' }]);
  });

  it('ifExists error and skip look at _SUCCESS: error fails, skip keeps the dataset untouched', async () => {
    const prefix = 'lake/query=keep/';
    await writeOutputs(config('keep', {}), 'r1', [await unit('keep', A, [1n])], silent);
    const before = emu.s3.get(BUCKET, `${prefix}_SUCCESS`)!;
    const start = emu.record.calls.length;
    const refused = await writeOutputs(
      config('keep', { ifExists: 'error' }),
      'r2',
      [await unit('keep', B, [2n])],
      silent,
    );
    expect(refused.outputs).toMatchObject([
      {
        state: 'failed',
        error: {
          message: `s3://${BUCKET}/lake/query=keep/_SUCCESS already exists and the sink says ifExists: error`,
        },
      },
    ]);
    const skipped = await writeOutputs(
      config('keep', { ifExists: 'skip' }),
      'r3',
      [await unit('keep', B, [2n])],
      silent,
    );
    expect(skipped.outputs).toEqual([]);
    expect(skipped.warnings).toEqual([
      expect.stringMatching(/query=keep\/_SUCCESS exists and ifExists is skip/),
    ]);
    expect(callsFrom(start).map((c) => c.action)).toEqual(['HeadObject', 'HeadObject']);
    expect(emu.s3.get(BUCKET, `${prefix}_SUCCESS`)).toEqual(before);
    expect(await keys(prefix)).toEqual(['_SUCCESS', `account_id=${A}/part-0000.parquet`]);
    // Without a marker (a dataset whose run failed) error does not stop a new run.
    const fresh = await writeOutputs(
      config('new', { ifExists: 'error' }),
      'r4',
      [await unit('new', A, [1n])],
      silent,
    );
    expect(fresh.outputs).toHaveLength(1);
  });

  it('a part upload failing midway leaves no _SUCCESS and no open multipart upload', async () => {
    const prefix = 'lake/query=doomed/';
    // A complete earlier dataset (small parts: single PutObjects, which the fault does not touch).
    await writeOutputs(
      config('doomed', {}),
      'r1',
      [await unit('doomed', A, [1n]), await unit('doomed', B, [2n])],
      silent,
    );
    expect(await keys(prefix)).toContain('_SUCCESS');
    const start = emu.record.calls.length;
    const units = [await unit('doomed', A, [7n]), await unit('doomed', B, [8n], 9 * 1024 * 1024)];
    const { outputs } = await writeOutputs(config('doomed', {}), 'r2', units, silent);
    expect(outputs).toMatchObject([{ state: 'failed', path: `s3://${BUCKET}/lake/query=doomed` }]);
    expect(outputs[0]!.error?.message).toMatch(
      new RegExp(
        `^uploading s3://${BUCKET}/lake/query=doomed/account_id=${B}/part-0000.parquet failed: InternalError`,
      ),
    );
    const calls = callsFrom(start);
    expect(calls.some((c) => c.action === 'UploadPart' && c.errorCode === 'InternalError')).toBe(true);
    expect(calls.some((c) => c.action === 'AbortMultipartUpload' && c.status === 204)).toBe(true);
    expect(await keys(prefix)).not.toContain('_SUCCESS');
    const open = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    expect(open.Uploads ?? []).toEqual([]);
    expect(emu.s3.pendingUploads()).toEqual([]);
    // No stale part was removed either: that happens only once every new part is in.
    expect(calls.some((c) => c.action === 'DeleteObjects')).toBe(false);
  });
});

describe('SSE settings on merged s3:// outputs', () => {
  it('single-part AES256 and multipart aws:kms objects carry the configured headers', async () => {
    const start = emu.record.calls.length;
    const merged = (path: string, sse: Partial<SinkConfig>) =>
      ({
        type: 'parquet',
        path,
        compression: 'zstd',
        ifExists: 'overwrite',
        layout: 'merged',
        ...sse,
      }) as SinkConfig;
    const cfg = {
      ...config('m', {}),
      sinks: [
        merged(`s3://${BUCKET}/merged/{query}-aes.parquet`, { sse: 'AES256' }),
        merged(`s3://${BUCKET}/merged/{query}-kms.parquet`, { sse: 'aws:kms', kmsKeyId: 'alias/lake' }),
      ],
    } as PipelineConfig;
    await writeOutputs(cfg, 'r1', [await unit('m', A, [1n], 9 * 1024 * 1024)], silent);
    const calls = callsFrom(start);
    expect(
      calls.find((c) => c.action === 'CreateMultipartUpload' && c.params.Key === 'merged/m-aes.parquet'),
    ).toBeDefined();
    expect(emu.s3.encryption(BUCKET, 'merged/m-aes.parquet')!.requested).toEqual({
      'x-amz-server-side-encryption': 'AES256',
    });
    expect(emu.s3.encryption(BUCKET, 'merged/m-kms.parquet')!.requested).toEqual(KMS);

    const small = {
      ...cfg,
      sinks: [merged(`s3://${BUCKET}/merged/{query}-small.parquet`, { kmsKeyId: 'alias/lake' })],
    };
    await writeOutputs(small, 'r2', [await unit('m', A, [1n])], silent);
    const put = emu.record.calls.findLast(
      (c) => c.action === 'PutObject' && c.params.Key === 'merged/m-small.parquet',
    )!;
    expect(put.params).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/lake' });
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'merged/m-small.parquet' }));
    expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/lake' });
    expect(head.BucketKeyEnabled).toBeUndefined();
  });
});
