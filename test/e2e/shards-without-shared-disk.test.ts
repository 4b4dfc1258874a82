import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import { emulatorEnv, runCli } from '../helpers/cli.js';
import { duckRows } from '../helpers/duckdb.js';
import { DENIED, EXTERNAL_ID, expectedAccounts, orgScenario } from '../helpers/org-scenario.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';

const BUCKET = 'fanout-runs';
/** Outputs and manifest on S3: a merged file per query and a partitioned dataset. */
const CONFIG = pipelineYaml()
  .replace(
    /sinks:\n(?: {2}- .*\n)+/,
    `sinks:
  - { type: parquet, path: 's3://${BUCKET}/lake/{query}.parquet', kmsKeyId: alias/lake }
  - { type: arrow-stream, path: 's3://${BUCKET}/lake/', layout: partitioned }
`,
  )
  .replace('manifest: out/manifest.json', `manifest: s3://${BUCKET}/runs/manifest.json`);

/**
 * Each process as on its own machine (a Kubernetes Indexed Job pod, an AWS Batch array child): its own
 * working directory with its own copy of the config, its own HOME and TMPDIR; only S3 in common.
 */
describe('shards and merge without a shared disk: staging and manifests on S3', () => {
  let emulator: RunningEmulator;
  const dirs: string[] = [];

  async function machine(): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
    const dir = await mkdtemp(join(tmpdir(), 'fanout-pod-'));
    dirs.push(dir);
    await mkdir(join(dir, 'home'));
    await mkdir(join(dir, 'tmp'));
    await writeFile(join(dir, 'pipeline.config.yaml'), CONFIG);
    const env = emulatorEnv(emulator, {
      FANOUT_EXTERNAL_ID: EXTERNAL_ID,
      HOME: join(dir, 'home'),
      TMPDIR: join(dir, 'tmp'),
    });
    return { dir, env };
  }

  async function onMachine(args: string[]) {
    const m = await machine();
    return { ...(await runCli(args, { cwd: m.dir, env: m.env })), dir: m.dir };
  }

  const keys = (prefix: string) => emulator.s3.keys(BUCKET).filter((k) => k.startsWith(prefix));
  const s3Manifest = (key: string) => JSON.parse(emulator.s3.get(BUCKET, key)!.toString('utf8')) as Manifest;

  /** What each process left on its own disk: its config, and nothing of the run's. */
  async function expectNothingLocal(dir: string) {
    expect((await readdir(dir)).sort()).toEqual(['home', 'pipeline.config.yaml', 'tmp']);
    expect(await readdir(join(dir, 'home'))).toEqual([]);
  }

  async function mergedRows(key: string): Promise<Map<string, number>> {
    const local = join(dirs[0]!, 'merged.parquet');
    await writeFile(local, emulator.s3.get(BUCKET, key)!);
    const rows = await duckRows(
      `SELECT account_id, count(*)::INTEGER AS n FROM read_parquet('${local}') GROUP BY account_id`,
    );
    await rm(local);
    return new Map(rows.map((r) => [String(r.account_id), r.n as number]));
  }

  beforeAll(async () => {
    emulator = await startEmulator({ scenario: orgScenario() });
  });
  afterAll(async () => {
    await emulator.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('shard 0/2 and 1/2 stage on S3, merge reads them, writes every account once and removes the staging', async () => {
    const shards = await Promise.all(
      [0, 1].map((i) => onMachine(['run', '--shard', `${i}/2`, '--run-id', 'pods-1'])),
    );
    for (const s of shards) expect([0, 1], s.stderr).toContain(s.code);
    // Each shard's manifest is an object; its units are staged under the outputs' prefix.
    expect(keys('runs/shards/pods-1/')).toEqual([
      'runs/shards/pods-1/shard-0-of-2.json',
      'runs/shards/pods-1/shard-1-of-2.json',
    ]);
    const staged = keys('lake/_staging/pods-1/');
    expect(staged).toHaveLength(expectedAccounts().length);
    for (const k of staged) {
      expect(k).toMatch(
        /^lake\/_staging\/pods-1\/query=inventory\/account_id=\d{12}\/part-eu-west-1\.arrows$/,
      );
      // Encrypted as the sink whose prefix holds them.
      expect(emulator.s3.encryption(BUCKET, k)!.requested, k).toMatchObject({
        'x-amz-server-side-encryption-aws-kms-key-id': 'alias/lake',
      });
    }
    // The shared file is not there before merge.
    expect(emulator.s3.get(BUCKET, 'lake/inventory.parquet')).toBeUndefined();

    const merge = await onMachine(['merge', '--run', 'pods-1']);
    // One account's role is denied: the run is partial.
    expect(merge.code, merge.stderr).toBe(1);
    const manifest = s3Manifest('runs/manifest.json');
    expect(manifest.status).toBe('partial');
    expect(manifest.shards).toEqual({ count: 2, merged: [0, 1], missing: [], failed: [] });
    expect(manifest.units.filter((u) => u.state === 'failed').map((u) => u.accountId)).toEqual([DENIED]);
    expect(manifest.outputs.map((o) => [o.path, o.state])).toEqual([
      [`s3://${BUCKET}/lake/inventory.parquet`, 'written'],
      [`s3://${BUCKET}/lake/query=inventory`, 'written'],
    ]);

    // Every account that succeeded, exactly once: each holds the same rows, none twice.
    const rows = await mergedRows('lake/inventory.parquet');
    expect([...rows.keys()].sort()).toEqual(expectedAccounts().sort());
    expect(new Set(rows.values()).size).toBe(1);
    expect(manifest.outputs[0]!.rows).toBe([...rows.values()].reduce((a, b) => a + b, 0));
    expect(emulator.s3.get(BUCKET, 'lake/query=inventory/_SUCCESS')).toBeDefined();

    expect(keys('lake/_staging/')).toEqual([]);
    expect(emulator.s3.pendingUploads()).toEqual([]);
    for (const p of [...shards, merge]) await expectNothingLocal(p.dir);
  });

  it('a missing shard: merge is partial and keeps the staging; once the shard ran, merge completes and removes it', async () => {
    const first = await onMachine(['run', '--shard', '0/2', '--run-id', 'pods-2']);
    expect([0, 1], first.stderr).toContain(first.code);
    const partial = await onMachine(['merge', '--run', 'pods-2']);
    expect(partial.code, partial.stderr).toBe(1);
    const manifest = s3Manifest('runs/manifest.json');
    expect(manifest.runId).toBe('pods-2');
    expect(manifest.shards?.missing).toEqual([1]);
    expect(manifest.warnings.join('\n')).toMatch(
      /staged units kept at s3:\/\/fanout-runs\/lake\/_staging\/pods-2/,
    );
    expect(keys('lake/_staging/pods-2/').length).toBeGreaterThan(0);

    const second = await onMachine(['run', '--shard', '1/2', '--run-id', 'pods-2']);
    expect([0, 1], second.stderr).toContain(second.code);
    const merged = await onMachine(['merge', '--run', 'pods-2']);
    expect(merged.code, merged.stderr).toBe(1);
    expect(s3Manifest('runs/manifest.json').shards?.missing).toEqual([]);
    const rows = await mergedRows('lake/inventory.parquet');
    expect([...rows.keys()].sort()).toEqual(expectedAccounts().sort());
    expect(keys('lake/_staging/')).toEqual([]);
  });
});
