import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import type { CliResult } from '../helpers/cli.js';
import { compareParquetFiles, duckRows } from '../helpers/duckdb.js';
import { DENIED, EXCLUDED, expectedAccounts, MANAGEMENT } from '../helpers/org-scenario.js';
import { runInOrgDir } from '../helpers/org-run.js';
import { orgConfigYaml } from '../helpers/pipeline-yaml.js';

/** The same SELECT through GetQueryResults and through the result CSV in S3, with every provenance column. */
const CONFIG = orgConfigYaml(`accounts:
  exclude: ["${EXCLUDED}"]
provenance:
  account_name: true
  region: true
  query_execution_id: qid
  extracted_at: true
  ou_path: true
queries:
  - { name: via_api, sql: SELECT * FROM inventory, fetch: api }
  - { name: via_s3, sql: SELECT * FROM inventory, fetch: s3 }
sinks:
  - { type: parquet, path: out/{query}.parquet }
  - { type: parquet, path: 's3://fanout-out/runs/{query}.parquet', sse: aws:kms, kmsKeyId: alias/fanout }
  - { type: parquet, path: 's3://fanout-out/lake/', layout: partitioned, kmsKeyId: alias/lake, bucketKey: true }
`);

describe('results through fetch: api and fetch: s3, with provenance columns (built CLI)', () => {
  let emulator: RunningEmulator;
  let dir: string;
  let spillRoot: string;
  let result: CliResult;
  let manifest: Manifest;
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ emulator, dir, result, manifest, cleanup } = await runInOrgDir(CONFIG, {
      prefix: 'fanout-results-',
      spill: true,
    }));
    spillRoot = join(dir, 'tmp');
  });
  afterAll(() => cleanup?.());

  it('reads each query the way it was told and records it in the manifest', () => {
    expect(result.code, result.stderr).toBe(1); // one account denies its role
    const ok = manifest.units.filter((u) => u.state === 'succeeded');
    expect(ok.filter((u) => u.query === 'via_api').every((u) => u.fetch === 'api')).toBe(true);
    expect(ok.filter((u) => u.query === 'via_s3').every((u) => u.fetch === 's3')).toBe(true);
    expect(ok).toHaveLength(expectedAccounts().length * 2);
  });

  it('writes the same rows through both paths (DuckDB symmetric difference is empty)', async () => {
    const { rowsA, differing } = await compareParquetFiles(
      join(dir, 'out/via_api.parquet'),
      join(dir, 'out/via_s3.parquet'),
      'account_id, account_name, region, ou_path, id, name, cost, seen, day, ratio, active, note',
    );
    expect(rowsA).toBe(expectedAccounts().length * 4);
    expect(differing).toBe(0);
  });

  it('fills the provenance columns per account and types them (Parquet logical types)', async () => {
    const file = join(dir, 'out/via_s3.parquet');
    const rows = await duckRows(
      `SELECT DISTINCT account_id, account_name, region, ou_path, qid, extracted_at IS NOT NULL AS stamped
       FROM read_parquet('${file}') WHERE account_id = '${MANAGEMENT}'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      account_name: 'management',
      region: 'eu-west-1',
      ou_path: 'Root',
      stamped: true,
    });
    const unit = manifest.units.find((u) => u.query === 'via_s3' && u.accountId === MANAGEMENT)!;
    expect(rows[0]!.qid).toBe(unit.queryExecutionIds.at(-1));
    const schema = await duckRows(
      `SELECT name, type, converted_type, logical_type::VARCHAR AS logical FROM parquet_schema('${file}') WHERE num_children IS NULL`,
    );
    const byName: Record<string, Record<string, unknown>> = Object.fromEntries(
      schema.map((s) => [String(s.name), s]),
    );
    expect(Object.keys(byName).slice(0, 7)).toEqual([
      'account_id',
      'account_name',
      'region',
      'qid',
      'extracted_at',
      'ou_path',
      'id',
    ]);
    expect(byName.account_id).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    expect(byName.id).toMatchObject({ type: 'INT64' });
    expect(byName.cost).toMatchObject({ type: 'FIXED_LEN_BYTE_ARRAY', converted_type: 'DECIMAL' });
    expect(byName.day).toMatchObject({ type: 'INT32', converted_type: 'DATE' });
    expect(byName.seen).toMatchObject({ type: 'INT64' });
    expect(String(byName.seen!.logical)).toMatch(/Timestamp/i);
    expect(String(byName.extracted_at!.logical)).toMatch(/isAdjustedToUTC=(1|true)/i);
  });

  it('uploads the s3:// sink whole (the same rows as the local file) and records it', async () => {
    const body = emulator.s3.get('fanout-out', 'runs/via_s3.parquet');
    expect(body).toBeDefined();
    const copy = join(dir, 'from-s3.parquet');
    await writeFile(copy, body!);
    const [n] = await duckRows(
      `SELECT count(*)::INTEGER AS n FROM (SELECT * EXCLUDE (extracted_at) FROM read_parquet('${copy}') EXCEPT ALL SELECT * EXCLUDE (extracted_at) FROM read_parquet('${join(dir, 'out/via_s3.parquet')}'))`,
    );
    expect(n!.n).toBe(0);
    expect(manifest.outputs.map((o) => o.path)).toContain('s3://fanout-out/runs/via_s3.parquet');
    // The sink's sse: aws:kms and kmsKeyId reached S3 with the upload.
    expect(emulator.s3.encryption('fanout-out', 'runs/via_s3.parquet')!.requested).toEqual({
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': 'alias/fanout',
    });
    await rm(copy);
  });

  it('writes the partitioned s3:// dataset: one part per account, SSE-KMS with a bucket key, _SUCCESS listing them', async () => {
    const prefix = 'lake/query=via_s3/';
    const keys = emulator.s3.keys('fanout-out').filter((k) => k.startsWith(prefix));
    const accounts = [
      ...new Set(
        manifest.units.filter((u) => u.query === 'via_s3' && u.state === 'succeeded').map((u) => u.accountId),
      ),
    ].sort();
    expect(keys).toEqual([
      `${prefix}_SUCCESS`,
      ...accounts.map((a) => `${prefix}account_id=${a}/part-0000.parquet`),
    ]);
    for (const key of keys) {
      expect(emulator.s3.encryption('fanout-out', key)!.requested, key).toEqual({
        'x-amz-server-side-encryption': 'aws:kms',
        'x-amz-server-side-encryption-aws-kms-key-id': 'alias/lake',
        'x-amz-server-side-encryption-bucket-key-enabled': 'true',
      });
    }
    const success = JSON.parse(emulator.s3.get('fanout-out', `${prefix}_SUCCESS`)!.toString('utf8')) as {
      files: { path: string }[];
      rows: number;
    };
    expect(success.files.map((f) => `${prefix}${f.path}`)).toEqual(keys.slice(1));
    const local = join(dir, 'lake-copy');
    for (const key of keys.slice(1)) {
      await mkdir(join(local, key.slice(prefix.length, key.lastIndexOf('/'))), { recursive: true });
      await writeFile(join(local, key.slice(prefix.length)), emulator.s3.get('fanout-out', key)!);
    }
    const [n] = await duckRows(
      `SELECT count(*)::INTEGER AS n FROM (SELECT account_id, id, cost FROM read_parquet('${local}/*/*.parquet', hive_partitioning = true, hive_types_autocast = false) EXCEPT ALL SELECT account_id, id, cost FROM read_parquet('${join(dir, 'out/via_s3.parquet')}'))`,
    );
    expect(n!.n).toBe(0);
    const [total] = await duckRows(
      `SELECT count(*)::INTEGER AS n FROM read_parquet('${join(dir, 'out/via_s3.parquet')}')`,
    );
    expect(success.rows).toBe(total!.n);
    await rm(local, { recursive: true });
  });

  it('leaves no spill files behind and no temp files at the output paths', async () => {
    expect(await readdir(spillRoot)).toEqual([]);
    expect((await readdir(join(dir, 'out'))).sort()).toEqual([
      'manifest.json',
      'via_api.parquet',
      'via_s3.parquet',
    ]);
    expect(result.stdout).toContain(DENIED);
  });
});
