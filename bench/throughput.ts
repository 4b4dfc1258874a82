/**
 * Athena result CSV → Parquet (ZSTD): our path (the `s3` fetch path: ranged GETs from the emulator's
 * S3 over HTTP → NULL-aware CSV reader → Arrow batches → parquet-wasm) against DuckDB's native COPY of
 * the same bytes from a local file, in one run. The emulator runs in this (parent) process, holding
 * the file in its in-memory S3; each measurement is a child process. Ours is what a run does: a
 * file of POOL_MIN_BYTES or more is decoded on the run's worker pool (CsvDecodePool, one worker per
 * core), started by that file inside the clock; a smaller one on the main thread. "Without pool"
 * always decodes on the main thread. Each measurement runs in its own child process so that its peak
 * RSS is its own. Every output is read back with DuckDB and compared row for row with DuckDB's.
 *
 *   npm run build && node dist/bench/throughput.js [set,set,… [repeats]]
 *     (default 100000,1000000,5000000,wide:2000000 and 3: each measurement repeated, interleaved;
 *     medians shown). A set is ROWS of the 10-column mixed shape, or wide:ROWS of the 9-column shape
 *     (bigint, decimal(18,4), double, boolean, timestamp, date, 3 × text with NULLs and "").
 *   node dist/bench/throughput.js --generate [wide:]ROWS FILE.csv            (just the input file)
 *   node dist/bench/throughput.js --child ours|ours-serial|duckdb SET FILE.csv|s3://… OUT.parquet
 *     (one measurement; ours reads s3://… from AWS_ENDPOINT_URL)
 */
import type { ColumnInfo } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { AthenaClient } from '@aws-sdk/client-athena';
import { startEmulator } from '@athena-fanout/emulator';
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { awsClientConfig } from '../src/aws/index.js';
import { CsvDecodePool, streamS3Results } from '../src/extract/index.js';
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

type Rand = () => number;

/** A result shape: its columns, DuckDB's types for them, the columns compared, one row's values. */
interface Shape {
  columns: ColumnInfo[];
  duckTypes: string;
  /** Select list reading either Parquet file with the same types (ours stores timestamps in ms). */
  view: string;
  row: (i: number, rand: Rand, nul: (v: string) => string | null) => (string | null)[];
}

const t0 = Date.UTC(2024, 0, 1);
const decimal = (rand: Rand): string => {
  const cents = Math.floor(rand() * 1e10) - 5e9;
  return `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 1e4)}.${String(Math.abs(cents) % 1e4).padStart(4, '0')}`;
};

const MIXED: Shape = {
  columns: COLUMNS,
  duckTypes: DUCK_TYPES,
  view: 'id, account, name, amount, qty, flag, CAST(ts AS TIMESTAMP) AS ts, day, price, payload',
  row: (i, rand, nul) => {
    const id = i % 1250 === 0 ? (9007199254740993n + BigInt(i)).toString() : String(i * 7919);
    const iso = new Date(t0 + Math.floor(rand() * 31_536_000_000)).toISOString();
    return [
      id,
      String(100000000000 + (i % 997)),
      nul(NAMES[i % NAMES.length]!),
      nul(String(Math.round(rand() * 1e8) / 100)),
      nul(String(Math.floor(rand() * 2e6) - 1e6)),
      nul(rand() < 0.5 ? 'true' : 'false'),
      nul(`${iso.slice(0, 10)} ${iso.slice(11, 23)}`),
      nul(iso.slice(0, 10)),
      nul(decimal(rand)),
      nul(`{"k":${i},"tags":["a","b"]}`),
    ];
  },
};

const WORDS = [
  'alpha',
  'beta',
  'gamma',
  'delta',
  'epsilon',
  'zeta',
  'eta',
  'theta',
  'iota',
  'kappa',
  'lambda',
];
/** Text: about 10 % NULL (unquoted empty), 10 % empty string (""), else a few words. */
const text = (rand: Rand, words: number): string | null => {
  const r = rand();
  if (r < 0.1) return null;
  if (r < 0.2) return '';
  let t = WORDS[Math.floor(rand() * WORDS.length)]!;
  for (let w = 1; w < words; w++) t += ` ${WORDS[Math.floor(rand() * WORDS.length)]!}`;
  return t;
};

/** The shape: 9 columns, about 129 bytes a row (2,000,000 rows ≈ 246 MiB). */
const WIDE: Shape = {
  columns: [
    { Name: 'id', Type: 'bigint' },
    { Name: 'amount', Type: 'decimal', Precision: 18, Scale: 4 },
    { Name: 'score', Type: 'double' },
    { Name: 'ok', Type: 'boolean' },
    { Name: 'ts', Type: 'timestamp', Precision: 3 },
    { Name: 'day', Type: 'date' },
    { Name: 'label', Type: 'varchar' },
    { Name: 'note', Type: 'varchar' },
    { Name: 'code', Type: 'varchar' },
  ],
  duckTypes:
    "{'id':'BIGINT','amount':'DECIMAL(18,4)','score':'DOUBLE','ok':'BOOLEAN','ts':'TIMESTAMP','day':'DATE','label':'VARCHAR','note':'VARCHAR','code':'VARCHAR'}",
  view: 'id, amount, score, ok, CAST(ts AS TIMESTAMP) AS ts, day, label, note, code',
  row: (i, rand, nul) => {
    const iso = new Date(t0 + Math.floor(rand() * 31_536_000_000)).toISOString();
    return [
      String(1_000_000_000_000 + i * 7919),
      nul(decimal(rand)),
      nul(String(rand() * 1e6)),
      nul(rand() < 0.5 ? 'true' : 'false'),
      nul(`${iso.slice(0, 10)} ${iso.slice(11, 23)}`),
      nul(iso.slice(0, 10)),
      text(rand, 2),
      text(rand, 3),
      text(rand, 1),
    ];
  },
};

/** `ROWS` (the mixed shape) or `wide:ROWS`. */
function parseSet(set: string): { name: string; shape: Shape; rows: number } {
  const [kind, n] = set.includes(':') ? (set.split(':') as [string, string]) : ['mixed', set];
  const shape = kind === 'wide' ? WIDE : MIXED;
  return { name: set, shape, rows: Number(n) };
}

/** A deterministic Athena-style result file: every value quoted, NULL unquoted empty, about 5 % NULL. */
async function generate(path: string, rows: number, shape: Shape): Promise<number> {
  const out = createWriteStream(path);
  let seed = 42;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const nul = (v: string) => (rand() < 0.05 ? null : v);
  let chunk = `${shape.columns.map((c) => q(c.Name!)).join(',')}\n`;
  for (let i = 0; i < rows; i++) {
    chunk += shape.row(i, rand, nul).map(q).join(',');
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

/**
 * The production path: the `s3` fetch path from the emulator's S3 (AWS_ENDPOINT_URL) with the run's
 * client settings and decoding pool (the cores but one, started by the first large file).
 */
async function ours(
  url: string,
  parquet: string,
  shape: Shape,
  pool: CsvDecodePool | undefined,
): Promise<void> {
  const keys = {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID!,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY!,
  };
  const credentials = () => Promise.resolve(keys);
  const s3 = new S3Client(awsClientConfig('s3', { region: 'us-east-1', credentials }));
  const athena = new AthenaClient(awsClientConfig('athena', { region: 'us-east-1', credentials }));
  const stream = await streamS3Results(athena, s3, 'bench', url, {
    columns: shape.columns,
    ...(pool ? { csvPool: pool } : {}),
  });
  await writeParquetFile(parquet, stream.schema, stream.batches, { compression: 'zstd' });
  s3.destroy();
  athena.destroy();
}

async function duck(csv: string, parquet: string, shape: Shape): Promise<void> {
  const db = await duckdbInstance();
  const conn = await db.connect();
  await conn.run(
    `COPY (SELECT * FROM read_csv('${csv}', header = true, quote = '"', escape = '"', allow_quoted_nulls = false, columns = ${shape.duckTypes})) TO '${parquet}' (FORMAT parquet, COMPRESSION zstd)`,
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

type Which = 'ours' | 'ours-serial' | 'duckdb';

/** Runs one converter in a fresh process; it reports its own wall time and peak RSS. */
async function measure(
  which: Which,
  set: string,
  input: string,
  parquet: string,
  env: NodeJS.ProcessEnv,
): Promise<Measured> {
  const self = fileURLToPath(import.meta.url);
  // Asynchronous: this process serves the emulator's S3 meanwhile.
  const child = spawn(process.execPath, [self, '--child', which, set, input, parquet], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`${which} failed: ${err}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as Measured;
}

async function compare(a: string, b: string, shape: Shape): Promise<{ rows: number; differing: number }> {
  const db = await duckdbInstance();
  const conn = await db.connect();
  const one = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRows()[0]![0]);
  // Same column types on both sides, then a symmetric difference.
  const view = (p: string) => `SELECT ${shape.view} FROM read_parquet('${p}')`;
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
    const [, which, set, input, parquet] = args as [string, Which, string, string, string];
    const { shape } = parseSet(set);
    // As in a run: the pool exists; its workers start on the first file of at least POOL_MIN_BYTES,
    // inside the clock (a run's first large result waits for them), and smaller files never use them.
    const pool = which === 'ours' ? new CsvDecodePool() : undefined;
    const t = performance.now();
    await (which === 'duckdb' ? duck(input, parquet, shape) : ours(input, parquet, shape, pool));
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
    const { shape, rows } = parseSet(args[1]!);
    await generate(args[2]!, rows, shape);
    return;
  }
  const sets = (args[0] ?? '100000,1000000,5000000,wide:2000000').split(',');
  const repeats = Math.max(1, Number(args[1] ?? 3));
  const dir = await mkdtemp(join(tmpdir(), 'fanout-bench-'));
  // Ours reads from the emulator's S3 over HTTP, served by this process (its CPU is not in ours').
  const emu = await startEmulator({ scenario: benchScenario() });
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_ACCESS_KEY_ID: emu.baseCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emu.baseCredentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
  // Other work on the machine moves wall times: say how much there was.
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(`load average at start: ${load()}`);
  try {
    console.log(
      '| set | rows | CSV MiB | ours from S3 s (CPU s) | ours MB/s | ours peak RSS MB | without pool s (CPU s) | without pool peak RSS MB | DuckDB local s (CPU s) | DuckDB MB/s | DuckDB peak RSS MB | wall ratio ours/DuckDB | without pool/DuckDB | Parquet MB ours / DuckDB | rows differing |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const set of sets) {
      const { shape, rows } = parseSet(set);
      const tag = set.replace(':', '-');
      const csv = join(dir, `${tag}.csv`);
      const bytes = await generate(csv, rows, shape);
      const mb = bytes / 1e6;
      const key = `results/${tag}.csv`;
      emu.s3.put('bench-results', key, await readFile(csv), 'text/csv');
      const url = `s3://bench-results/${key}`;
      const a = join(dir, `ours-${tag}.parquet`);
      const b = join(dir, `duck-${tag}.parquet`);
      const c = join(dir, `serial-${tag}.parquet`);
      // Interleaved repeats, each side's median wall time: other load on the machine comes and goes.
      const runs = { ours: [] as Measured[], serial: [] as Measured[], duck: [] as Measured[] };
      for (let i = 0; i < repeats; i++) {
        runs.ours.push(await measure('ours', set, url, a, env));
        runs.serial.push(await measure('ours-serial', set, url, c, env));
        runs.duck.push(await measure('duckdb', set, csv, b, env));
      }
      const [o, serial, d] = [median(runs.ours), median(runs.serial), median(runs.duck)];
      const cmp = await compare(a, b, shape);
      const cmpSerial = await compare(c, b, shape);
      if (cmp.rows !== rows || cmpSerial.rows !== rows) {
        throw new Error(`ours wrote ${cmp.rows} / ${cmpSerial.rows} rows, expected ${rows}`);
      }
      const sizeA = (await stat(a)).size / 1e6;
      const sizeB = (await stat(b)).size / 1e6;
      const wall = (m: Measured) => `${m.seconds.toFixed(2)} (${m.cpuSeconds.toFixed(1)})`;
      console.log(
        `| ${set.includes(':') ? 'wide 9 col' : 'mixed 10 col'} | ${rows.toLocaleString('en')} | ${(bytes / 2 ** 20).toFixed(1)} | ${wall(o)} | ${(mb / o.seconds).toFixed(0)} | ${peak(runs.ours)} | ${wall(serial)} | ${peak(runs.serial)} | ${wall(d)} | ${(mb / d.seconds).toFixed(0)} | ${peak(runs.duck)} | ${(o.seconds / d.seconds).toFixed(2)} | ${(serial.seconds / d.seconds).toFixed(2)} | ${sizeA.toFixed(1)} / ${sizeB.toFixed(1)} | ${cmp.differing + cmpSerial.differing} |`,
      );
      emu.s3.handle('DeleteObject', {
        method: 'DELETE',
        bucket: 'bench-results',
        key,
        query: new URLSearchParams(),
        headers: {},
        body: Buffer.alloc(0),
      });
      await rm(c);
      await rm(csv);
      await rm(a);
      await rm(b);
    }
    console.log(`load average at end: ${load()}`);
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** One identity, no organization to speak of, no DuckDB seeding: the bench only reads S3. */
function benchScenario() {
  const mgmt = '111111111111';
  return {
    organization: { id: 'o-benchorg001', managementAccountId: mgmt },
    accounts: [{ id: mgmt, name: 'management', email: 'm@example.com', ou: 'Root' }],
    identities: [
      { accessKeyId: 'AKIABENCHBASE0000001', secretAccessKey: 'bench', arn: `arn:aws:iam::${mgmt}:user/ci` },
    ],
    roles: [],
    data: {},
    knobs: { fixedResults: true },
  };
}

await main();
