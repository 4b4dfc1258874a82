/**
 * Peak RSS of `merge --run` writing one merged Parquet file from 1 and from 8 staged parts of the same
 * size: if merge streams record batches, 8× the rows must not cost 8× the memory. The staged parts are
 * generated (Arrow IPC streams, as a shard stages them) with a shard manifest, so no emulator is needed;
 * the CLI is a child process measured with /usr/bin/time.
 *
 *   npm run build && node dist/bench/merge-memory.js [rowsPerPart]   (default 500000)
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Field, Int64, makeData, RecordBatch, Schema, Struct, Utf8, vectorFromArray } from 'apache-arrow';
import { spillBatches } from '../src/sinks/index.js';
import type { UnitRecord } from '../src/manifest.js';

const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const rowsPerPart = Number(process.argv[2] ?? 500_000);
const BATCH = 8192;

const CONFIG = `version: 1
region: eu-west-1
auth:
  masterRoleChain: [arn:aws:iam::111111111111:role/OrgHub]
  accountRoleChain: [arn:aws:iam::<accountId>:role/AthenaReader]
accounts: { source: list, ids: ["111111111111"] }
athena: { workgroup: primary, database: inventory, outputLocation: s3://bench-results/x/ }
queries: [{ name: inventory, sql: SELECT 1 }]
sinks:
  - { type: parquet, path: out/{query}.parquet }
manifest: out/manifest.json
`;

const schema = new Schema([
  new Field('account_id', new Utf8()),
  new Field('id', new Int64()),
  new Field('name', new Utf8()),
]);

function* part(account: string): Generator<RecordBatch> {
  for (let off = 0; off < rowsPerPart; off += BATCH) {
    const n = Math.min(BATCH, rowsPerPart - off);
    const ids = new BigInt64Array(n);
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      ids[i] = BigInt(off + i);
      names.push(`name-${off + i}-${'x'.repeat(24)}`);
    }
    const cols = [
      vectorFromArray(new Array<string>(n).fill(account), new Utf8()),
      vectorFromArray(names, new Utf8()),
    ];
    const data = makeData({
      type: new Struct(schema.fields),
      length: n,
      nullCount: 0,
      children: [cols[0]!.data[0]!, makeData({ type: new Int64(), length: n, data: ids }), cols[1]!.data[0]!],
    });
    yield new RecordBatch(schema, data);
  }
}

for (const parts of [1, 8]) {
  const dir = await mkdtemp(join(tmpdir(), 'fanout-merge-bench-'));
  try {
    await writeFile(join(dir, 'pipeline.config.yaml'), CONFIG);
    const units: UnitRecord[] = [];
    for (let p = 0; p < parts; p++) {
      const accountId = String(200000000000 + p);
      const file = join(
        dir,
        `out/shards/R/staging/query=inventory/account_id=${accountId}/part-eu-west-1.arrows`,
      );
      await mkdir(join(file, '..'), { recursive: true });
      await spillBatches(file, schema, part(accountId));
      units.push({
        accountId,
        region: 'eu-west-1',
        query: 'inventory',
        state: 'succeeded',
        attempts: 1,
        queryExecutionIds: [],
        rows: rowsPerPart,
      });
    }
    const now = new Date().toISOString();
    const manifest = {
      manifestVersion: 1,
      runId: 'R',
      status: 'succeeded',
      exitCode: 0,
      interrupted: false,
      startedAt: now,
      endedAt: now,
      durationMs: 0,
      region: 'eu-west-1',
      shard: { index: 0, count: 1 },
      accounts: { discovered: parts, selected: parts, skipped: [] },
      units,
      outputs: [],
      warnings: [],
    };
    await writeFile(join(dir, 'out/shards/R/shard-0-of-1.json'), JSON.stringify(manifest));
    const r = spawnSync('/usr/bin/time', ['-f', '%M %e', process.execPath, cli, 'merge', '--run', 'R'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    const [kb, secs] = r.stderr.trim().split('\n').at(-1)!.split(' ');
    const rows = /\((parquet), (\d+) rows/.exec(r.stdout)?.[2];
    console.log(
      `${parts} part(s) × ${rowsPerPart} rows: exit ${r.status}, ${rows} rows written, peak RSS ${Math.round(Number(kb) / 1024)} MB, ${secs} s`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
