import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest, OutputRecord } from '../../src/manifest.js';
import { emulatorEnv, repoRoot, runCli, type CliResult } from '../helpers/cli.js';
import { duckRows } from '../helpers/duckdb.js';
import { orgDir, type OrgDir } from '../helpers/org-run.js';
import { EXTERNAL_ID, MANAGEMENT, MEMBERS, orgScenario } from '../helpers/org-scenario.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';
import * as z from 'zod';

/**
 * One sink failing fails that output only: two queries, each written to a local Parquet file (ifExists:
 * error), a local NDJSON file and an s3:// Parquet object. q1's Parquet file is already there and S3
 * refuses q2's upload; every other output is still written and the manifest says which failed and why.
 */
const BUCKET = 'fanout-refusing';
const ACCOUNTS = [MANAGEMENT, MEMBERS[0]!, MEMBERS[1]!];
const CONFIG = pipelineYaml()
  .replace(/ {2}exclude: .*\n/, `  include: [${ACCOUNTS.map((a) => `"${a}"`).join(', ')}]\n`)
  .replace(
    /queries:\n(?: {2}.*\n)+sinks:\n(?: {2}- .*\n)+/,
    `queries:
  - name: q1
    sql: SELECT id FROM inventory
  - name: q2
    sql: SELECT id, note FROM inventory
sinks:
  - { type: parquet, path: out/{query}.parquet, ifExists: error }
  - { type: ndjson, path: out/{query}.ndjson }
  - { type: parquet, path: 's3://${BUCKET}/{query}.parquet' }
`,
  );
const ROWS = ACCOUNTS.length * 4;
const REFUSED = 'Access Denied';

function scenario() {
  const s = orgScenario();
  s.knobs = {
    ...s.knobs,
    failS3: [
      { action: 'PutObject', match: 'q2.parquet', code: 'AccessDenied', message: REFUSED, status: 403 },
    ],
  };
  return s;
}

/** The outputs by path, local ones relative to the run's directory. */
const byPath = (m: Manifest, dir: string) =>
  new Map(m.outputs.map((o) => [o.path.startsWith('s3://') ? o.path : relative(dir, o.path), o]));
const count = async (sql: string) => Number((await duckRows(sql))[0]!.n);
async function documented(m: Manifest) {
  const schema = z.fromJSONSchema(
    JSON.parse(
      await readFile(`${repoRoot}docs/manifest.schema.json`, 'utf8'),
    ) as z.core.JSONSchema.JSONSchema,
  );
  expect(schema.safeParse(m).error?.issues).toBeUndefined();
}

/** The outputs of a run or merge: q1.parquet failed (it exists), q2's S3 object failed (refused). */
async function expectContained(org: OrgDir, m: Manifest, result: CliResult) {
  const out = join(org.dir, 'out');
  expect(result.code, result.stderr).toBe(1);
  expect(m.status).toBe('partial');
  expect(m.exitCode).toBe(1);
  const outputs = byPath(m, org.dir);
  const q1parquet = outputs.get('out/q1.parquet');
  expect(q1parquet).toMatchObject<Partial<OutputRecord>>({
    query: 'q1',
    state: 'failed',
    rows: 0,
    bytes: 0,
  });
  expect(q1parquet!.error!.message).toMatch(/q1\.parquet already exists and the sink says ifExists: error/);
  // The existing file is untouched.
  expect(await readFile(join(out, 'q1.parquet'), 'utf8')).toBe('not ours');
  // q1's other sinks and every sink of q2 are written.
  expect((await readFile(join(out, 'q1.ndjson'), 'utf8')).trim().split('\n')).toHaveLength(ROWS);
  expect(await count(`SELECT count(*)::INTEGER AS n FROM read_parquet('${join(out, 'q2.parquet')}')`)).toBe(
    ROWS,
  );
  expect((await readFile(join(out, 'q2.ndjson'), 'utf8')).trim().split('\n')).toHaveLength(ROWS);
  expect(org.emulator.s3.get(BUCKET, 'q1.parquet')).toBeDefined();
  const s3q2 = outputs.get(`s3://${BUCKET}/q2.parquet`);
  expect(s3q2).toMatchObject({ query: 'q2', state: 'failed', rows: 0 });
  expect(s3q2!.error!.message).toContain('AccessDenied');
  expect(s3q2!.error!.message).toContain(REFUSED);
  expect(org.emulator.s3.get(BUCKET, 'q2.parquet')).toBeUndefined();
  const written = [...outputs].filter(([, o]) => o.state === 'written');
  for (const [, o] of written) expect(o.rows).toBe(ROWS);
  expect(written.map(([path]) => path).sort()).toEqual(
    ['out/q1.ndjson', `s3://${BUCKET}/q1.parquet`, 'out/q2.parquet', 'out/q2.ndjson'].sort(),
  );
  // The summary names the failed output.
  expect(result.stdout).toMatch(/q1\.parquet \(parquet, FAILED: .*already exists/);
  await documented(m);
}

describe('one failing sink fails that output only', () => {
  let org: OrgDir;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    org = await orgDir(CONFIG, { scenario: scenario(), prefix: 'fanout-contain-', spill: true });
    env = emulatorEnv(org.emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID, TMPDIR: join(org.dir, 'tmp') });
  });
  afterAll(() => org.cleanup());

  it('run: the other outputs of the query and every later query are written, the manifest says which failed', async () => {
    await mkdir(join(org.dir, 'out'), { recursive: true });
    await writeFile(join(org.dir, 'out/q1.parquet'), 'not ours');
    const result = await runCli(['run'], { cwd: org.dir, env });
    const m = JSON.parse(await readFile(join(org.dir, 'out/manifest.json'), 'utf8')) as Manifest;
    expect(m.units.every((u) => u.state === 'succeeded')).toBe(true);
    await expectContained(org, m, result);
    // Every spilled result was read back and then removed: nothing is left in the spill area.
    expect(await readdir(join(org.dir, 'tmp'))).toEqual([]);
  });

  it('merge: a failing merged sink fails that output only, the rest of the sharded run is written', async () => {
    const outDir = join(org.dir, 'out');
    // Fresh outputs for the sharded run; q1.parquet is there again.
    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'q1.parquet'), 'not ours');
    const shards = await Promise.all(
      [0, 1].map((i) => runCli(['run', '--shard', `${i}/2`, '--run-id', 'contain-1'], { cwd: org.dir, env })),
    );
    for (const s of shards) expect(s.code, s.stderr).toBe(0);
    const merged = await runCli(['merge', '--run', 'contain-1'], { cwd: org.dir, env });
    const m = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8')) as Manifest;
    expect(m.shards).toMatchObject({ count: 2, merged: [0, 1], missing: [], failed: [] });
    await expectContained(org, m, merged);
  });
});
