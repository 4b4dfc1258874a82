import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import {
  Bool,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  RecordBatch,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
  makeData,
  type Data,
} from 'apache-arrow';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Compressors } from 'hyparquet';

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sinks-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** Validity bitmap (bit set = valid), built independently of the code under test. */
export function bitmap(values: unknown[]): { nullBitmap?: Uint8Array; nullCount: number } {
  const nullCount = values.filter((v) => v === null).length;
  if (nullCount === 0) return { nullCount };
  const bits = new Uint8Array(Math.ceil(values.length / 8) + 8);
  values.forEach((v, i) => {
    if (v !== null) bits[i >> 3]! |= 1 << (i & 7);
  });
  return { nullBitmap: bits, nullCount };
}

export function int64Col(values: (bigint | null)[]): Data {
  const data = BigInt64Array.from(values, (v) => v ?? 0n);
  return makeData({ type: new Int64(), length: values.length, data, ...bitmap(values) });
}

export function intCol(type: Int8 | Int16 | Int32, values: (number | null)[]): Data {
  const data = new type.ArrayType(values.length);
  values.forEach((v, i) => (data[i] = v ?? 0));
  return makeData({ type, length: values.length, data, ...bitmap(values) });
}

export function floatCol(type: Float32 | Float64, values: (number | null)[]): Data {
  const data = new type.ArrayType(values.length);
  values.forEach((v, i) => (data[i] = v ?? 0));
  return makeData({ type, length: values.length, data, ...bitmap(values) });
}

export function boolCol(values: (boolean | null)[]): Data {
  const data = new Uint8Array(Math.ceil(values.length / 8) + 8);
  values.forEach((v, i) => {
    if (v) data[i >> 3]! |= 1 << (i & 7);
  });
  return makeData({ type: new Bool(), length: values.length, data, ...bitmap(values) });
}

export function utf8Col(values: (string | null)[]): Data {
  const enc = new TextEncoder();
  const parts = values.map((v) => enc.encode(v ?? ''));
  const offsets = new Int32Array(values.length + 1);
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
  const bytes = new Uint8Array(offsets[values.length]!);
  parts.forEach((p, i) => {
    bytes.set(p, offsets[i]);
  });
  return makeData({
    type: new Utf8(),
    length: values.length,
    valueOffsets: offsets,
    data: bytes,
    ...bitmap(values),
  });
}

/** Decimal from its exact text, e.g. "-12.345" with scale 9 → unscaled -12345000000. */
export function decimalCol(precision: number, scale: number, values: (string | null)[]): Data {
  const words = new Uint32Array(values.length * 4);
  values.forEach((v, i) => {
    if (v === null) return;
    const negative = v.startsWith('-');
    const [intPart, frac = ''] = v.replace('-', '').split('.');
    let unscaled = BigInt(intPart! + frac.padEnd(scale, '0'));
    if (negative) unscaled = -unscaled;
    let u = BigInt.asUintN(128, unscaled);
    for (let w = 0; w < 4; w++) {
      words[i * 4 + w] = Number(u & 0xffffffffn);
      u >>= 32n;
    }
  });
  return makeData({
    type: new Decimal(scale, precision, 128),
    length: values.length,
    data: words,
    ...bitmap(values),
  });
}

export function timestampCol(values: (bigint | null)[], timezone: string | null): Data {
  const data = BigInt64Array.from(values, (v) => v ?? 0n);
  return makeData({
    type: new TimestampMillisecond(timezone),
    length: values.length,
    data,
    ...bitmap(values),
  });
}

export function dateCol(values: (number | null)[]): Data {
  const data = Int32Array.from(values, (v) => v ?? 0);
  return makeData({ type: new DateDay(), length: values.length, data, ...bitmap(values) });
}

export function batchOf(columns: Record<string, Data>, nullable = true): RecordBatch {
  const fields = Object.entries(columns).map(([name, d]) => new Field(name, d.type, nullable));
  const schema = new Schema(fields);
  const children = Object.values(columns);
  const length = children[0]?.length ?? 0;
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length, nullCount: 0, children }));
}

export const BIG = 9007199254740993n; // 2^53 + 1: not representable as a double
export const MIN_I64 = -9223372036854775808n;
export const BIG_DEC = '12345678901234567890123456789.123456789';
export const TS = 1719221451123n; // 2024-06-24 09:30:51.123 UTC
export const TS_OLD = -86399999n; // 1969-12-31 00:00:00.001 UTC
export const DAY = 19898; // 2024-06-24

/** Three rows covering every exact-type hazard: big int64, 38-digit decimal, pre-1970, NULL vs "". */
export function sampleBatch(): RecordBatch {
  return batchOf({
    id: int64Col([BIG, MIN_I64, null]),
    dec: decimalCol(38, 9, [BIG_DEC, '-0.000000001', null]),
    ts: timestampCol([TS, TS_OLD, null], 'UTC'),
    ts_local: timestampCol([TS, TS_OLD, null], null),
    d: dateCol([DAY, -1, null]),
    s: utf8Col(['héllo, "wörld"\nnext', '', null]),
    b: boolCol([true, false, null]),
    f32: floatCol(new Float32(), [1.5, -0.25, null]),
    f64: floatCol(new Float64(), [0.1, 1e300, null]),
    i8: intCol(new Int8(), [-128, 127, null]),
    i16: intCol(new Int16(), [-32768, 32767, null]),
    i32: intCol(new Int32(), [-2147483648, 2147483647, null]),
  });
}

/** hyparquet ships only Snappy; ZSTD and GZIP come from Node's own zlib, another independent decoder. */
export const compressors: Compressors = {
  ZSTD: (input) => new Uint8Array(zstdDecompressSync(input)),
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
};

/** A DuckDB in-memory database per test file, closed in afterAll so the process exits cleanly. */
export async function openDuckDB(): Promise<{ conn: DuckDBConnection; close: () => void }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

export async function query(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJS();
}

export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

interface Column {
  length: number;
  get(i: number): unknown;
}

/** Values of an Arrow column as plain JS (bigint for Int64, null for NULL). */
export function valuesOf(column: Column | null): unknown[] {
  if (!column) throw new Error('no such column');
  return Array.from({ length: column.length }, (_, i) => column.get(i));
}

/** Rows of an Arrow table or batch as plain objects. */
export function rowsOf(t: { toArray(): { toJSON(): Record<string, unknown> }[] }): Record<string, unknown>[] {
  return t.toArray().map((r) => ({ ...r.toJSON() }));
}
