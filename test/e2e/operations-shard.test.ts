import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import type { Manifest } from '../../src/types.js';
import { emulatorEnv, runCli } from '../helpers/cli.js';
import { duckRows } from '../helpers/duckdb.js';
import { DENIED, EXTERNAL_ID, expectedAccounts, orgScenario } from '../helpers/org-scenario.js';
import { pipelineYaml } from '../operations/pipeline-yaml.js';

const readManifest = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Manifest;

/** Every row as sorted text, so two files compare whatever their row order. */
async function sortedRows(file: string): Promise<string[]> {
  const rows = await duckRows(`SELECT * FROM read_parquet('${file}')`);
  return rows
    .map((r) => JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
    .sort();
}

describe('run --shard I/N over 4 processes, then merge --run', () => {
  let emulator: RunningEmulator;
  let single: string;
  let sharded: string;

  beforeAll(async () => {
    emulator = await startEmulator({ scenario: orgScenario() });
    single = await mkdtemp(join(tmpdir(), 'fanout-single-'));
    sharded = await mkdtemp(join(tmpdir(), 'fanout-sharded-'));
    for (const d of [single, sharded]) await writeFile(join(d, 'pipeline.config.yaml'), pipelineYaml());
  });
  afterAll(async () => {
    await emulator.close();
    await rm(single, { recursive: true, force: true });
    await rm(sharded, { recursive: true, force: true });
  });

  it('yields exactly the rows of the single-process run, each unit run once', async () => {
    const env = emulatorEnv(emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID });
    const one = await runCli(['run'], { cwd: single, env });
    expect(one.code, one.stderr).toBe(1);
    const queriesBefore = emulator.record.queries.length;

    // Two shards from flags, two the way Kubernetes Indexed Jobs and AWS Batch array jobs say it.
    const shards = await Promise.all([
      runCli(['run', '--shard', '0/4', '--run-id', 'nightly-42'], { cwd: sharded, env }),
      runCli(['run', '--shard', '1/4', '--run-id', 'nightly-42'], { cwd: sharded, env }),
      runCli(['run'], {
        cwd: sharded,
        env: { ...env, JOB_COMPLETION_INDEX: '2', SHARD_COUNT: '4', ATHENA_FANOUT_RUN_ID: 'nightly-42' },
      }),
      runCli(['run', '--shard-count', '4'], {
        cwd: sharded,
        env: { ...env, AWS_BATCH_JOB_ARRAY_INDEX: '3', AWS_BATCH_JOB_ID: 'nightly-42:3' },
      }),
    ]);
    for (const s of shards) expect([0, 1], s.stderr).toContain(s.code);

    const parts = await Promise.all(
      [0, 1, 2, 3].map((i) => readManifest(join(sharded, `out/shards/nightly-42/shard-${i}-of-4.json`))),
    );
    const perShard = parts.map((p) => p.units.length);
    expect(perShard.reduce((a, b) => a + b, 0)).toBe(expectedAccounts().length + 1);
    expect(Math.max(...perShard) - Math.min(...perShard)).toBeLessThanOrEqual(1);
    const shardQueries = emulator.record.queries.slice(queriesBefore);
    expect(new Set(shardQueries.map((q) => q.accountId)).size).toBe(shardQueries.length);

    const merge = await runCli(['merge', '--run', 'nightly-42'], { cwd: sharded, env });
    expect(merge.code, merge.stderr).toBe(1);
    const merged = await readManifest(join(sharded, 'out/manifest.json'));
    expect(merged).toMatchObject({
      runId: 'nightly-42',
      status: 'partial',
      shards: { count: 4, missing: [] },
    });
    expect(merged.units.find((u) => u.accountId === DENIED)?.state).toBe('failed');
    const oneManifest = await readManifest(join(single, 'out/manifest.json'));
    expect(merged.totals.rows).toBe(oneManifest.totals.rows);

    const want = await sortedRows(join(single, 'out/inventory.parquet'));
    expect(want).toHaveLength(expectedAccounts().length * 4);
    expect(await sortedRows(join(sharded, 'out/inventory.parquet'))).toEqual(want);
    // The merged Arrow file too, read back by apache-arrow.
    const { tableFromIPC } = await import('apache-arrow');
    const table = tableFromIPC(await readFile(join(sharded, 'out/inventory.arrow')));
    expect(table.numRows).toBe(want.length);
  });

  it('shows a failed shard and a shard that never reported in the merged manifest', async () => {
    const env = emulatorEnv(emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID });
    const runs = await Promise.all([
      runCli(['run', '--shard', '0/4', '--run-id', 'broken-7'], { cwd: sharded, env }),
      runCli(['run', '--shard', '1/4', '--run-id', 'broken-7'], {
        cwd: sharded,
        env: { ...env, FANOUT_EXTERNAL_ID: 'not-the-external-id' },
      }),
      runCli(['run', '--shard', '2/4', '--run-id', 'broken-7'], { cwd: sharded, env }),
    ]);
    expect(runs[1].code).toBe(3);
    const merge = await runCli(['merge', '--run', 'broken-7'], { cwd: sharded, env });
    expect(merge.code, merge.stderr).toBe(1);
    const merged = await readManifest(join(sharded, 'out/manifest.json'));
    expect(merged.status).toBe('partial');
    expect(merged.shards).toEqual({ count: 4, merged: [0, 1, 2], missing: [3] });
    expect(merged.error?.message).toMatch(/shards without a manifest: 3 \(of 4\)/);
    expect(merged.error?.message).toMatch(/shard 1: /);
    expect(merge.stdout).toMatch(/Run error: .*shard 1/);
  });
});
