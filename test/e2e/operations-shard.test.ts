import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { RunningEmulator } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import { repoRoot, runCli, type CliResult } from '../helpers/cli.js';
import { duckRows } from '../helpers/duckdb.js';
import { DENIED, expectedAccounts, MEMBERS } from '../helpers/org-scenario.js';
import { singleAndSharded } from '../helpers/org-run.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';

/** Two regions (so one account's units land in different shards), every output format, a dataset, metrics. */
const CONFIG = pipelineYaml(`regions: [eu-west-1, us-east-1]
provenance: { region: true }
metrics:
  file: out/metrics/fanout.prom
`).replace(
  /sinks:\n(?: {2}- .*\n)+/,
  `sinks:
  - { type: parquet, path: out/{query}.parquet }
  - { type: arrow, path: out/{query}.arrow }
  - { type: arrow-stream, path: out/{query}.arrows }
  - { type: ndjson, path: out/{query}.ndjson }
  - { type: parquet, path: out/lake, layout: partitioned }
`,
);
const UNITS = (expectedAccounts().length + 1) * 2;
const ROWS = expectedAccounts().length * 2 * 4;

const readManifest = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Manifest;
const json = (v: unknown) => JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Every row as sorted text, so two outputs compare whatever their row order. */
async function sortedSql(sql: string): Promise<string[]> {
  return (await duckRows(sql)).map(json).sort();
}
const parquetRows = (file: string) => sortedSql(`SELECT * FROM read_parquet('${file}')`);
/** The partitioned layout read back as one table, the partition columns taken from the path. */
const datasetRows = (root: string) =>
  sortedSql(
    `SELECT * FROM read_parquet('${root}/**/*.parquet', hive_partitioning = true, hive_types_autocast = false)`,
  );
async function arrowRows(file: string): Promise<string[]> {
  return tableFromIPC(await readFile(file))
    .toArray()
    .map((r) => json(r))
    .sort();
}
async function ndjsonLines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n').filter(Boolean).sort();
}
async function metricsOf(file: string): Promise<Map<string, number>> {
  const text = await readFile(file, 'utf8');
  return new Map(
    [...text.matchAll(/^(athena_fanout_\w+(?:\{[^}]*\})?) (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]),
  );
}
/** Shard and merged manifests are public formats too: docs/manifest.schema.json lists every field. */
async function expectDocumentedShape(manifests: Manifest[]): Promise<void> {
  const schema = z.fromJSONSchema(
    JSON.parse(
      await readFile(`${repoRoot}docs/manifest.schema.json`, 'utf8'),
    ) as z.core.JSONSchema.JSONSchema,
  );
  for (const m of manifests) expect(schema.safeParse(m).error?.issues).toBeUndefined();
}
async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

describe('run --shard I/N over 4 processes, then merge --run', () => {
  let emulator: RunningEmulator;
  let single: string;
  let sharded: string;
  let env: NodeJS.ProcessEnv;
  let cleanup: (() => Promise<void>) | undefined;
  const lake = () => join(sharded, 'out/lake/query=inventory');

  beforeAll(async () => {
    let one: CliResult;
    ({
      emulator,
      env,
      single,
      sharded,
      singleRun: one,
      cleanup,
    } = await singleAndSharded({ single: CONFIG, sharded: CONFIG }, 'fanout-'));
    expect(one.code, one.stderr).toBe(1);
  });
  afterAll(() => cleanup?.());

  it('yields exactly the rows of the single-process run in every format, as one partitioned dataset', async () => {
    // Left by earlier runs: an account no longer selected, and a part of the unsharded naming.
    for (const stale of [
      'account_id=999999999999/part-0000.parquet',
      `account_id=${MEMBERS[0]}/part-0000.parquet`,
    ]) {
      await mkdir(join(lake(), stale, '..'), { recursive: true });
      await writeFile(join(lake(), stale), 'stale');
    }
    const callsBefore = emulator.record.calls.length;
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
    expect(perShard.reduce((a, b) => a + b, 0)).toBe(UNITS);
    expect(Math.max(...perShard) - Math.min(...perShard)).toBeLessThanOrEqual(1);
    // Every unit queried once, by one shard.
    const starts = emulator.record.calls
      .slice(callsBefore)
      .filter((c) => c.action === 'StartQueryExecution' && c.status === 200)
      .map((c) => `${c.accountId}/${c.region}`);
    expect(starts).toHaveLength(expectedAccounts().length * 2);
    expect(new Set(starts).size).toBe(starts.length);
    // Some account has its two regions in different shards: they write into one account_id= directory.
    const shardOf = new Map(parts.flatMap((p, i) => p.units.map((u) => [`${u.accountId}/${u.region}`, i])));
    expect(
      expectedAccounts().some((a) => shardOf.get(`${a}/eu-west-1`) !== shardOf.get(`${a}/us-east-1`)),
    ).toBe(true);
    // Not complete before the merge: no _SUCCESS, no merged file, no run-level metrics.
    expect(await exists(join(lake(), '_SUCCESS'))).toBe(false);
    expect(await exists(join(sharded, 'out/inventory.parquet'))).toBe(false);
    expect(await exists(join(sharded, 'out/metrics/fanout.prom'))).toBe(false);

    const merge = await runCli(['merge', '--run', 'nightly-42'], { cwd: sharded, env });
    expect(merge.code, merge.stderr).toBe(1);
    const merged = await readManifest(join(sharded, 'out/manifest.json'));
    expect(merged).toMatchObject({
      runId: 'nightly-42',
      status: 'partial',
      shards: { count: 4, merged: [0, 1, 2, 3], missing: [], failed: [] },
      totals: { units: UNITS, rows: ROWS },
    });
    expect(merged.error).toBeUndefined();
    await expectDocumentedShape([merged, ...parts]);
    expect(merged.units.filter((u) => u.accountId === DENIED).map((u) => u.state)).toEqual([
      'failed',
      'failed',
    ]);
    expect(merged.outputs.map((o) => o.type).sort()).toEqual([
      'arrow',
      'arrow-stream',
      'ndjson',
      'parquet',
      'parquet',
    ]);

    const want = await parquetRows(join(single, 'out/inventory.parquet'));
    expect(want).toHaveLength(ROWS);
    expect(await parquetRows(join(sharded, 'out/inventory.parquet'))).toEqual(want);
    expect(await arrowRows(join(sharded, 'out/inventory.arrow'))).toEqual(
      await arrowRows(join(single, 'out/inventory.arrow')),
    );
    expect(await arrowRows(join(sharded, 'out/inventory.arrows'))).toEqual(
      await arrowRows(join(single, 'out/inventory.arrows')),
    );
    expect(await ndjsonLines(join(sharded, 'out/inventory.ndjson'))).toEqual(
      await ndjsonLines(join(single, 'out/inventory.ndjson')),
    );

    // The dataset: complete, stale parts gone, one table with the same rows as the single run's dataset.
    expect(await exists(join(lake(), '_SUCCESS'))).toBe(true);
    const marker = JSON.parse(await readFile(join(lake(), '_SUCCESS'), 'utf8')) as {
      rows: number;
      files: { path: string }[];
    };
    expect(marker.rows).toBe(ROWS);
    expect(marker.files.map((f) => f.path).sort()).toEqual(
      (await tree(lake())).filter((p) => p.endsWith('.parquet')),
    );
    expect(await exists(join(lake(), 'account_id=999999999999'))).toBe(false);
    expect(await exists(join(lake(), `account_id=${MEMBERS[0]}/part-0000.parquet`))).toBe(false);
    const dataset = await datasetRows(join(sharded, 'out/lake'));
    expect(dataset).toEqual(await datasetRows(join(single, 'out/lake')));
    expect(dataset).toHaveLength(ROWS);
    // Every part has the run's schema: the column only one account has is there, NULL elsewhere.
    const extra = await duckRows(
      `SELECT count(extra) AS n, count(*) AS rows FROM read_parquet('${sharded}/out/lake/**/*.parquet', hive_partitioning = true)`,
    );
    expect(extra.map((r) => [Number(r.n), Number(r.rows)])).toEqual([[8, ROWS]]);
    const schemas = await duckRows(
      `SELECT DISTINCT list(name ORDER BY name) AS cols FROM parquet_schema('${sharded}/out/lake/**/*.parquet') GROUP BY file_name`,
    );
    expect(schemas).toHaveLength(1);
    const perPair = await duckRows(
      `SELECT count(DISTINCT (account_id, region)) AS n FROM read_parquet('${sharded}/out/lake/**/*.parquet', hive_partitioning = true)`,
    );
    expect(Number(perPair[0]!.n)).toBe(expectedAccounts().length * 2);

    // Each shard's metrics in its own file, labelled; the run's in the configured file.
    const shardMetrics = await Promise.all(
      [0, 1, 2, 3].map((i) => metricsOf(join(sharded, `out/metrics/fanout.shard-${i}-of-4.prom`))),
    );
    shardMetrics.forEach((m, i) => {
      expect(m.get(`athena_fanout_last_run_rows{shard="${i}-of-4"}`)).toBe(parts[i]!.totals.rows);
      expect([...m.keys()].every((k) => k.includes(`shard="${i}-of-4"`))).toBe(true);
    });
    const run = await metricsOf(join(sharded, 'out/metrics/fanout.prom'));
    expect(run.get('athena_fanout_last_run_rows')).toBe(ROWS);
    expect(run.get('athena_fanout_last_run_units{state="failed"}')).toBe(2);
    expect(run.get('athena_fanout_runs_total{status="partial"}')).toBe(1);
    const sum = (name: string) =>
      shardMetrics.reduce((n, m, i) => n + m.get(`${name}{shard="${i}-of-4"}`)!, 0);
    expect(run.get('athena_fanout_last_run_aws_requests')).toBe(sum('athena_fanout_last_run_aws_requests'));
    expect(run.get('athena_fanout_last_run_data_scanned_bytes')).toBe(merged.totals.dataScannedInBytes);

    // Merging again changes nothing but the run counter.
    const files = await tree(join(sharded, 'out/lake'));
    const again = await runCli(['merge', '--run', 'nightly-42'], { cwd: sharded, env });
    expect(again.code, again.stderr).toBe(1);
    const remerged = await readManifest(join(sharded, 'out/manifest.json'));
    expect({ ...remerged, outputs: remerged.outputs.map((o) => ({ ...o, bytes: 0 })) }).toEqual({
      ...merged,
      outputs: merged.outputs.map((o) => ({ ...o, bytes: 0 })),
    });
    expect(await tree(join(sharded, 'out/lake'))).toEqual(files);
    expect(await parquetRows(join(sharded, 'out/inventory.parquet'))).toEqual(want);
    expect(
      (await metricsOf(join(sharded, 'out/metrics/fanout.prom'))).get(
        'athena_fanout_runs_total{status="partial"}',
      ),
    ).toBe(2);
  });

  it('names a failed and a missing shard, withholds _SUCCESS, and completes once they are run again', async () => {
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
    expect(merged.shards).toEqual({ count: 4, merged: [0, 1, 2], missing: [3], failed: [1] });
    expect(merged.error?.message).toMatch(/shards without a manifest: 3 \(of 4\)/);
    expect(merged.error?.message).toMatch(/shard 1: /);
    expect(merge.stdout).toMatch(/Run error: .*shard 1/);
    expect(await exists(join(lake(), '_SUCCESS'))).toBe(false);
    expect(merged.warnings.join('\n')).toMatch(/no _SUCCESS/);
    await expectDocumentedShape([merged]);

    // The orchestrator retries the failed shard and runs the missing one; merge again.
    const retried = await Promise.all(
      ['1/4', '3/4'].map((s) => runCli(['run', '--shard', s, '--run-id', 'broken-7'], { cwd: sharded, env })),
    );
    for (const r of retried) expect([0, 1], r.stderr).toContain(r.code);
    const fixed = await runCli(['merge', '--run', 'broken-7'], { cwd: sharded, env });
    expect(fixed.code, fixed.stderr).toBe(1);
    const complete = await readManifest(join(sharded, 'out/manifest.json'));
    expect(complete.shards).toEqual({ count: 4, merged: [0, 1, 2, 3], missing: [], failed: [] });
    expect(complete.error).toBeUndefined();
    expect(complete.totals.rows).toBe(ROWS);
    expect(await exists(join(lake(), '_SUCCESS'))).toBe(true);
    expect(await datasetRows(join(sharded, 'out/lake'))).toEqual(await datasetRows(join(single, 'out/lake')));
  });
});
