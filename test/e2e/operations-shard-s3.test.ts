import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { duckRows } from '../helpers/duckdb.js';
import { expectedAccounts, MEMBERS } from '../helpers/org-scenario.js';
import { singleAndSharded } from '../helpers/org-run.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';

const BUCKET = 'fanout-lake';
const SSE = {
  'x-amz-server-side-encryption': 'aws:kms',
  'x-amz-server-side-encryption-aws-kms-key-id': 'alias/lake',
  'x-amz-server-side-encryption-bucket-key-enabled': 'true',
};
/** Two regions (one account's units land in different shards), one s3:// dataset with SSE-KMS. */
const config = (name: string) =>
  pipelineYaml(`regions: [eu-west-1, us-east-1]
provenance: { region: true }
`).replace(
    /sinks:\n(?: {2}- .*\n)+/,
    `sinks:
  - { type: parquet, path: 's3://${BUCKET}/${name}/', layout: partitioned, kmsKeyId: alias/lake, bucketKey: true }
`,
  );
const ROWS = expectedAccounts().length * 2 * 4;
const PREFIX = 'sharded/query=inventory/';

interface DatasetManifest {
  runId: string;
  rows: number;
  bytes: number;
  files: { path: string; accountId: string; rows: number; bytes: number }[];
}

const json = (v: unknown) => JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

describe('run --shard I/N into an s3:// partitioned dataset, then merge --run', () => {
  let emulator: RunningEmulator;
  let sharded: string;
  let env: NodeJS.ProcessEnv;
  let cleanup: (() => Promise<void>) | undefined;
  const keys = (prefix: string) => emulator.s3.keys(BUCKET).filter((k) => k.startsWith(prefix));
  const success = () => emulator.s3.get(BUCKET, `${PREFIX}_SUCCESS`);
  const shardRuns = (runId: string, shards: number[]) =>
    Promise.all(
      shards.map((i) => runCli(['run', '--shard', `${i}/4`, '--run-id', runId], { cwd: sharded, env })),
    );

  /** The dataset's part files downloaded and read by DuckDB as one table, partition column from the path. */
  async function datasetRows(prefix: string): Promise<string[]> {
    const local = await mkdtemp(join(tmpdir(), 'fanout-lake-copy-'));
    try {
      for (const key of keys(prefix).filter((k) => k.endsWith('.parquet'))) {
        const file = join(local, key.slice(prefix.length));
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, emulator.s3.get(BUCKET, key)!);
      }
      const rows = await duckRows(
        `SELECT * FROM read_parquet('${local}/*/*.parquet', hive_partitioning = true, hive_types_autocast = false)`,
      );
      const schemas = await duckRows(
        `SELECT DISTINCT list(name ORDER BY name) AS cols FROM parquet_schema('${local}/*/*.parquet') GROUP BY file_name`,
      );
      // One schema for every part: readers without union_by_name (Athena) see one table.
      expect(schemas).toHaveLength(1);
      return rows.map(json).sort();
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  }

  beforeAll(async () => {
    // One account's table has a column the others lack: the shards' parts need the run's schema.
    let one: CliResult;
    ({
      emulator,
      env,
      sharded,
      singleRun: one,
      cleanup,
    } = await singleAndSharded({ single: config('single'), sharded: config('sharded') }, 'fanout-s3-'));
    expect(one.code, one.stderr).toBe(1);
  });
  afterAll(() => cleanup?.());

  it('4 concurrent shards and merge give the single run rows, every part in _SUCCESS, SSE on every object', async () => {
    // Left by earlier runs: an account no longer selected, a part of the unsharded naming, an old
    // marker; and a file of the user's that is not ours to remove.
    const stale = ['account_id=999999999999/part-0000.parquet', `account_id=${MEMBERS[0]}/part-0000.parquet`];
    for (const rel of [...stale, '_SUCCESS', 'README.txt']) {
      emulator.s3.put(BUCKET, `${PREFIX}${rel}`, Buffer.from('old'));
    }
    const shards = await shardRuns('lake-1', [0, 1, 2, 3]);
    for (const s of shards) expect([0, 1], s.stderr).toContain(s.code);
    // Not complete before the merge.
    expect(success()).toBeUndefined();

    const merge = await runCli(['merge', '--run', 'lake-1'], { cwd: sharded, env });
    expect(merge.code, merge.stderr).toBe(1);
    const merged = JSON.parse(await readFile(join(sharded, 'out/manifest.json'), 'utf8')) as Manifest;
    expect(merged.shards).toEqual({ count: 4, merged: [0, 1, 2, 3], missing: [], failed: [] });
    expect(merged.warnings.join('\n')).not.toMatch(/s3:|_SUCCESS/);

    const parts = keys(PREFIX).filter((k) => k.endsWith('.parquet'));
    expect(parts).toHaveLength(expectedAccounts().length * 2);
    for (const k of parts) expect(k).toMatch(/\/account_id=\d{12}\/part-(eu-west-1|us-east-1)\.parquet$/);
    for (const rel of stale) expect(keys(PREFIX)).not.toContain(`${PREFIX}${rel}`);
    expect(emulator.s3.get(BUCKET, `${PREFIX}README.txt`)?.toString()).toBe('old');

    const want = await datasetRows('single/query=inventory/');
    expect(want).toHaveLength(ROWS);
    expect(await datasetRows(PREFIX)).toEqual(want);

    const manifest = JSON.parse(success()!.toString('utf8')) as DatasetManifest;
    expect(manifest.runId).toBe('lake-1');
    expect(manifest.files.map((f) => `${PREFIX}${f.path}`).sort()).toEqual(parts);
    expect(manifest.rows).toBe(ROWS);
    for (const f of manifest.files) {
      expect(f.bytes, f.path).toBe(emulator.s3.get(BUCKET, `${PREFIX}${f.path}`)!.length);
      expect(f.path.startsWith(`account_id=${f.accountId}/`)).toBe(true);
    }
    expect(merged.outputs).toEqual([
      {
        query: 'inventory',
        type: 'parquet',
        path: `s3://${BUCKET}/${PREFIX.slice(0, -1)}`,
        rows: ROWS,
        bytes: manifest.bytes,
        state: 'written',
      },
    ]);
    // The sink's SSE settings on every object written, rewritten parts and the marker included.
    for (const key of [...parts, `${PREFIX}_SUCCESS`]) {
      expect(emulator.s3.encryption(BUCKET, key)!.requested, key).toEqual(SSE);
    }
    expect(emulator.s3.pendingUploads()).toEqual([]);
  });

  it('withholds _SUCCESS while a shard is missing, writes it once the shard ran; an unsharded run clears region parts', async () => {
    const first = await shardRuns('lake-2', [0, 1, 2]);
    for (const s of first) expect([0, 1], s.stderr).toContain(s.code);
    const partial = await runCli(['merge', '--run', 'lake-2'], { cwd: sharded, env });
    expect(partial.code, partial.stderr).toBe(1);
    const manifest = JSON.parse(await readFile(join(sharded, 'out/manifest.json'), 'utf8')) as Manifest;
    expect(manifest.shards?.missing).toEqual([3]);
    expect(manifest.warnings.join('\n')).toMatch(/has no _SUCCESS/);
    expect(success()).toBeUndefined();

    const [last] = await shardRuns('lake-2', [3]);
    expect([0, 1], last!.stderr).toContain(last!.code);
    const fixed = await runCli(['merge', '--run', 'lake-2'], { cwd: sharded, env });
    expect(fixed.code, fixed.stderr).toBe(1);
    expect((JSON.parse(success()!.toString('utf8')) as DatasetManifest).runId).toBe('lake-2');
    expect(await datasetRows(PREFIX)).toEqual(await datasetRows('single/query=inventory/'));

    // The same dataset written by one process: its part-NNNN parts replace the region-named ones.
    const whole = await runCli(['run'], { cwd: sharded, env });
    expect(whole.code, whole.stderr).toBe(1);
    const after = keys(PREFIX).filter((k) => k.endsWith('.parquet'));
    expect(after.length).toBeGreaterThan(0);
    for (const k of after) expect(k).toMatch(/\/part-\d{4}\.parquet$/);
    expect(await datasetRows(PREFIX)).toEqual(await datasetRows('single/query=inventory/'));
  });
});
