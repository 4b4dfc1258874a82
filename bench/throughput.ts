/**
 * Athena result CSV → Parquet (ZSTD): our path (NULL-aware CSV reader → Arrow batches → parquet-wasm)
 * against DuckDB's native COPY, on the same generated file, in one run. Ours is what a run does: a
 * file of POOL_MIN_BYTES or more is decoded on the run's worker pool (CsvDecodePool, one worker per
 * core), started by that file inside the clock; a smaller one on the main thread. "Without pool"
 * always decodes on the main thread. Each measurement runs in its own child process so that its peak
 * RSS is its own. Every output is read back with DuckDB and compared row for row with DuckDB's.
 *
 *   npm run build && node dist/bench/throughput.js [rows,rows,… [repeats]]
 *     (default 100000,1000000,5000000 and 3: each measurement repeated, interleaved; medians shown)
 *   node dist/bench/throughput.js --generate ROWS FILE.csv            (just the input file)
 *   node dist/bench/throughput.js --child ours|ours-serial|duckdb FILE.csv OUT.parquet  (one measurement)
 */
import type { ColumnInfo } from '@aws-sdk/client-athena';
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CsvDecodePool, csvRecordBatches, POOL_MIN_BYTES, schemaForColumns } from '../src/extract/index.js';
import { writeParquetFile } from '../src/sinks/index.js';

const COLUMNS: ColumnInfo[] = [
  { Name: 'id', Type: 'bigint' },
  { Name: 'account', Type: 'varchar' },
  { Name: 'name', Type: 'varchar' },
  { Name: 'amount', Type: 'double' },
  { Name: 'qty', Type: 'integer' },
  { Name: 'flag', Type: 'boolean' },
  { Name: 'ts', Type: 'timestamp', Precision: 3 },
  { Name: 'day', Type: 'date' },
  { Name: 'price', Type: 'decimal', Precision: 18, Scale: 4 },
  { Name: 'payload', Type: 'json' },
];
const DUCK_TYPES =
  "{'id':'BIGINT','account':'VARCHAR','name':'VARCHAR','amount':'DOUBLE','qty':'INTEGER','flag':'BOOLEAN','ts':'TIMESTAMP','day':'DATE','price':'DECIMAL(18,4)','payload':'VARCHAR'}";

const NAMES = ['plain', 'with, comma', 'say "hi"', 'naïve café ☕ 😀', 'two\nlines', 'crlf\r\nend', '', 'ok'];

function q(v: string | null): string {
  return v === null ? '' : `"${v.replaceAll('"', '""')}"`;
}

/** A deterministic Athena-style result file: every value quoted, NULL empty, about 5 % NULL. */
async function generate(path: string, rows: number): Promise<number> {
  const out = createWriteStream(path);
  let seed = 42;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const nul = (v: string) => (rand() < 0.05 ? null : v);
  let chunk = `${COLUMNS.map((c) => q(c.Name!)).join(',')}\n`;
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < rows; i++) {
    const id = i % 1250 === 0 ? (9007199254740993n + BigInt(i)).toString() : String(i * 7919);
    const ms = t0 + Math.floor(rand() * 31_536_000_000);
    const iso = new Date(ms).toISOString();
    const cents = Math.floor(rand() * 1e10) - 5e9;
    const price = `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 1e4)}.${String(Math.abs(cents) % 1e4).padStart(4, '0')}`;
    chunk += [
      q(id),
      q(String(100000000000 + (i % 997))),
      q(nul(NAMES[i % NAMES.length]!)),
      q(nul(String(Math.round(rand() * 1e8) / 100))),
      q(nul(String(Math.floor(rand() * 2e6) - 1e6))),
      q(nul(rand() < 0.5 ? 'true' : 'false')),
      q(nul(`${iso.slice(0, 10)} ${iso.slice(11, 23)}`)),
      q(nul(iso.slice(0, 10))),
      q(nul(price)),
      q(nul(`{"k":${i},"tags":["a","b"]}`)),
    ].join(',');
    chunk += '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'close');
  return (await stat(path)).size;
}

/** The production path, with the run's decoding pool (the cores but one, started by the first file). */
async function ours(csv: string, parquet: string, pool: CsvDecodePool | undefined): Promise<void> {
  const schema = schemaForColumns(COLUMNS);
  const names = COLUMNS.map((c) => c.Name!);
  const body = createReadStream(csv, { highWaterMark: 1 << 20 });
  const batches = csvRecordBatches(body, schema, names, { file: csv, ...(pool ? { pool } : {}) });
  await writeParquetFile(parquet, schema, batches, { compression: 'zstd' });
}

async function duck(csv: string, parquet: string): Promise<void> {
  const db = await duckdbInstance();
  const conn = await db.connect();
  await conn.run(
    `COPY (SELECT * FROM read_csv('${csv}', header = true, quote = '"', escape = '"', allow_quoted_nulls = false, columns = ${DUCK_TYPES})) TO '${parquet}' (FORMAT parquet, COMPRESSION zstd)`,
  );
  conn.closeSync();
  db.closeSync();
}

/** Loaded only where used: the native library would otherwise count in our side's peak RSS too. */
async function duckdbInstance() {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  return DuckDBInstance.create(':memory:');
}

interface Measured {
  seconds: number;
  cpuSeconds: number;
  peakRssMB: number;
}

/** The run of median wall time (of an odd count, the middle one). */
function median(runs: Measured[]): Measured {
  return [...runs].sort((x, y) => x.seconds - y.seconds)[runs.length >> 1]!;
}

/** The highest peak RSS of any run: the 400 MB bound holds for every one. */
function peak(runs: Measured[]): string {
  return Math.max(...runs.map((r) => r.peakRssMB)).toFixed(0);
}

/** Runs one converter in a fresh process; it reports its own wall time and peak RSS. */
function measure(which: 'ours' | 'ours-serial' | 'duckdb', csv: string, parquet: string): Measured {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [self, '--child', which, csv, parquet], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${which} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Measured;
}

async function compare(a: string, b: string): Promise<{ rows: number; differing: number }> {
  const db = await duckdbInstance();
  const conn = await db.connect();
  const one = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRows()[0]![0]);
  // Same column types on both sides (ours stores timestamps in ms), then a symmetric difference.
  const view = (p: string) =>
    `SELECT id, account, name, amount, qty, flag, CAST(ts AS TIMESTAMP) AS ts, day, price, payload FROM read_parquet('${p}')`;
  const rows = await one(`SELECT count(*) FROM read_parquet('${a}')`);
  const differing =
    (await one(`SELECT count(*) FROM (${view(a)} EXCEPT ALL ${view(b)})`)) +
    (await one(`SELECT count(*) FROM (${view(b)} EXCEPT ALL ${view(a)})`));
  conn.closeSync();
  db.closeSync();
  return { rows, differing };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const [, which, csv, parquet] = args as [string, string, string, string];
    // As in a run: the pool's workers start on the first file of at least POOL_MIN_BYTES, inside the
    // clock (a run's first large result waits for them), and smaller files never use them.
    const large = (await stat(csv)).size >= POOL_MIN_BYTES;
    const pool = which === 'ours' && large ? new CsvDecodePool() : undefined;
    const t = performance.now();
    await (which === 'duckdb' ? duck(csv, parquet) : ours(csv, parquet, pool));
    const seconds = (performance.now() - t) / 1000;
    await pool?.close();
    const usage = process.resourceUsage();
    const peakRssMB = usage.maxRSS / 1024;
    // CPU time of every thread: less sensitive than wall time to other load on the machine.
    const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
    process.stdout.write(`${JSON.stringify({ seconds, cpuSeconds, peakRssMB })}\n`);
    return;
  }
  if (args[0] === '--generate') {
    await generate(args[2]!, Number(args[1]));
    return;
  }
  const sizes = (args[0] ?? '100000,1000000,5000000').split(',').map(Number);
  const repeats = Math.max(1, Number(args[1] ?? 3));
  const dir = await mkdtemp(join(tmpdir(), 'fanout-bench-'));
  // Other work on the machine moves wall times: say how much there was.
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(`load average at start: ${load()}`);
  try {
    console.log(
      '| rows | CSV MB | ours s (CPU s) | ours MB/s | ours peak RSS MB | without pool s (CPU s) | without pool peak RSS MB | DuckDB s (CPU s) | DuckDB MB/s | DuckDB peak RSS MB | wall ratio ours/DuckDB | without pool/DuckDB | Parquet MB ours / DuckDB | rows differing |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const rows of sizes) {
      const csv = join(dir, `r${rows}.csv`);
      const mb = (await generate(csv, rows)) / 1e6;
      const a = join(dir, `ours-${rows}.parquet`);
      const b = join(dir, `duck-${rows}.parquet`);
      const c = join(dir, `serial-${rows}.parquet`);
      // Interleaved repeats, each side's median wall time: other load on the machine comes and goes.
      const runs = { ours: [] as Measured[], serial: [] as Measured[], duck: [] as Measured[] };
      for (let i = 0; i < repeats; i++) {
        runs.ours.push(measure('ours', csv, a));
        runs.serial.push(measure('ours-serial', csv, c));
        runs.duck.push(measure('duckdb', csv, b));
      }
      const [o, serial, d] = [median(runs.ours), median(runs.serial), median(runs.duck)];
      const cmp = await compare(a, b);
      const cmpSerial = await compare(c, b);
      if (cmp.rows !== rows || cmpSerial.rows !== rows) {
        throw new Error(`ours wrote ${cmp.rows} / ${cmpSerial.rows} rows, expected ${rows}`);
      }
      const sizeA = (await stat(a)).size / 1e6;
      const sizeB = (await stat(b)).size / 1e6;
      const wall = (m: Measured) => `${m.seconds.toFixed(2)} (${m.cpuSeconds.toFixed(1)})`;
      console.log(
        `| ${rows.toLocaleString('en')} | ${mb.toFixed(1)} | ${wall(o)} | ${(mb / o.seconds).toFixed(0)} | ${peak(runs.ours)} | ${wall(serial)} | ${peak(runs.serial)} | ${wall(d)} | ${(mb / d.seconds).toFixed(0)} | ${peak(runs.duck)} | ${(o.seconds / d.seconds).toFixed(2)} | ${(serial.seconds / d.seconds).toFixed(2)} | ${sizeA.toFixed(1)} / ${sizeB.toFixed(1)} | ${cmp.differing + cmpSerial.differing} |`,
      );
      await rm(c);
      await rm(csv);
      await rm(a);
      await rm(b);
    }
    console.log(`load average at end: ${load()}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
