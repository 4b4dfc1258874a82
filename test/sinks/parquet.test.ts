import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { Field, Int64, Schema, Utf8, type RecordBatch } from 'apache-arrow';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { DuckDBConnection } from '@duckdb/node-api';
import { FanoutError } from '../../src/errors.js';
import { writeParquetFile } from '../../src/sinks/index.js';
import {
  BIG,
  BIG_DEC,
  DAY,
  MIN_I64,
  TS,
  TS_OLD,
  batchOf,
  compressors,
  int64Col,
  listDir,
  openDuckDB,
  query,
  sampleBatch,
  sqlString,
  tempDir,
  utf8Col,
} from '../helpers/arrow-fixtures.js';

let duck: { conn: DuckDBConnection; close: () => void };
let conn: DuckDBConnection;
beforeAll(async () => {
  duck = await openDuckDB();
  conn = duck.conn;
});
afterAll(() => {
  duck.close();
});

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

async function readHy(path: string): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({
    file: await asyncBufferFromFile(path),
    compressors,
    parsers: { timestampFromMilliseconds: (ms: bigint) => ms, dateFromDays: (days: number) => days },
  });
}

describe('writeParquetFile', () => {
  it('writes every type exactly, as DuckDB reads it back', async () => {
    const batch = sampleBatch();
    const path = join(dir, 'out', 'all.parquet');
    const written = await writeParquetFile(path, batch.schema, [batch]);
    expect(written.rows).toBe(3);
    expect(written.bytes).toBe((await readFile(path)).length);
    expect(written.path).toBe(path);

    const rows = await query(
      conn,
      `SELECT id, CAST(dec AS VARCHAR) AS dec, epoch_ms(ts) AS ts, epoch_ms(ts_local) AS ts_local,
              CAST(d AS VARCHAR) AS d, s, b, f32, f64, i8, i16, i32
       FROM read_parquet(${sqlString(path)})`,
    );
    expect(rows).toEqual([
      {
        id: BIG,
        dec: BIG_DEC,
        ts: TS,
        ts_local: TS,
        d: '2024-06-24',
        s: 'héllo, "wörld"\nnext',
        b: true,
        f32: 1.5,
        f64: 0.1,
        i8: -128,
        i16: -32768,
        i32: -2147483648,
      },
      {
        id: MIN_I64,
        dec: '-0.000000001',
        ts: TS_OLD,
        ts_local: TS_OLD,
        d: '1969-12-31',
        s: '',
        b: false,
        f32: -0.25,
        f64: 1e300,
        i8: 127,
        i16: 32767,
        i32: 2147483647,
      },
      {
        id: null,
        dec: null,
        ts: null,
        ts_local: null,
        d: null,
        s: null,
        b: null,
        f32: null,
        f64: null,
        i8: null,
        i16: null,
        i32: null,
      },
    ]);
  });

  it('declares the Parquet logical types (DuckDB DESCRIBE and parquet_schema) and uses ZSTD by default', async () => {
    const batch = sampleBatch();
    const path = join(dir, 'types.parquet');
    await writeParquetFile(path, batch.schema, [batch]);

    const described = await query(conn, `DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
    expect(Object.fromEntries(described.map((r) => [r.column_name, r.column_type]))).toEqual({
      id: 'BIGINT',
      dec: 'DECIMAL(38,9)',
      ts: 'TIMESTAMP WITH TIME ZONE',
      ts_local: 'TIMESTAMP',
      d: 'DATE',
      s: 'VARCHAR',
      b: 'BOOLEAN',
      f32: 'FLOAT',
      f64: 'DOUBLE',
      i8: 'TINYINT',
      i16: 'SMALLINT',
      i32: 'INTEGER',
    });

    const schema = await query(
      conn,
      `SELECT name, type, logical_type, precision, scale FROM parquet_schema(${sqlString(path)})`,
    );
    const col = (name: string) => schema.find((r) => r.name === name)!;
    expect(col('id').type).toBe('INT64');
    expect(col('dec')).toMatchObject({ type: 'FIXED_LEN_BYTE_ARRAY', precision: 38n, scale: 9n });
    expect(String(col('dec').logical_type)).toMatch(/Decimal.*precision=38/);
    expect(String(col('ts').logical_type)).toMatch(/Timestamp.*isAdjustedToUTC=1.*MILLIS/);
    expect(String(col('ts_local').logical_type)).toMatch(/Timestamp.*isAdjustedToUTC=0.*MILLIS/);
    expect(String(col('d').logical_type)).toMatch(/Date/);
    expect(String(col('s').logical_type)).toMatch(/String/);

    const codecs = await query(conn, `SELECT DISTINCT compression FROM parquet_metadata(${sqlString(path)})`);
    expect(codecs).toEqual([{ compression: 'ZSTD' }]);
  });

  it('is read back identically by hyparquet (an independent reader)', async () => {
    const batch = sampleBatch();
    const path = join(dir, 'hy.parquet');
    await writeParquetFile(path, batch.schema, [batch]);
    const rows = await readHy(path);
    expect(
      rows.map((r) => [r.id, r.ts, r.ts_local, r.d, r.s, r.b, r.f32, r.f64, r.i8, r.i16, r.i32]),
    ).toEqual([
      [BIG, TS, TS, DAY, 'héllo, "wörld"\nnext', true, 1.5, 0.1, -128, -32768, -2147483648],
      [MIN_I64, TS_OLD, TS_OLD, -1, '', false, -0.25, 1e300, 127, 32767, 2147483647],
      [null, null, null, null, null, null, null, null, null, null, null],
    ]);
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(path));
    const dec = meta.schema.find((e) => e.name === 'dec')!;
    expect([dec.precision, dec.scale]).toEqual([38, 9]);
    expect(dec.logical_type).toMatchObject({ type: 'DECIMAL', precision: 38, scale: 9 });
    const ts = meta.schema.find((e) => e.name === 'ts')!;
    expect(ts.logical_type).toMatchObject({ type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' });
  });

  it('honours the compression option', async () => {
    const batch = sampleBatch();
    for (const [option, codec] of [
      ['snappy', 'SNAPPY'],
      ['gzip', 'GZIP'],
      ['none', 'UNCOMPRESSED'],
    ] as const) {
      const path = join(dir, `${option}.parquet`);
      await writeParquetFile(path, batch.schema, [batch], { compression: option });
      const codecs = await query(
        conn,
        `SELECT DISTINCT compression FROM parquet_metadata(${sqlString(path)})`,
      );
      expect(codecs).toEqual([{ compression: codec }]);
      expect((await readHy(path)).map((r) => r.id)).toEqual([BIG, MIN_I64, null]);
    }
  });

  it('still writes a valid file with the schema when the source yields no batches', async () => {
    const schema = sampleBatch().schema;
    const path = join(dir, 'empty.parquet');
    const written = await writeParquetFile(path, schema, []);
    expect(written.rows).toBe(0);
    const count = await query(conn, `SELECT count(*) AS n FROM read_parquet(${sqlString(path)})`);
    expect(count).toEqual([{ n: 0n }]);
    const described = await query(conn, `DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
    expect(described.map((r) => r.column_name)).toEqual(schema.fields.map((f) => f.name));
    expect(described.find((r) => r.column_name === 'dec')?.column_type).toBe('DECIMAL(38,9)');
  });

  it('streams an async source into row groups of the requested size', async () => {
    const schema = new Schema([new Field('n', new Int64(), true), new Field('label', new Utf8(), true)]);
    async function* source(): AsyncGenerator<RecordBatch> {
      for (let b = 0; b < 10; b++) {
        await Promise.resolve();
        const ids = Array.from({ length: 1000 }, (_, i) => BIG + BigInt(b * 1000 + i));
        yield batchOf({ n: int64Col(ids), label: utf8Col(ids.map((v) => `row ${v}`)) });
      }
    }
    const path = join(dir, 'groups.parquet');
    const written = await writeParquetFile(path, schema, source(), { rowGroupSize: 2500 });
    expect(written.rows).toBe(10_000);
    const groups = await query(
      conn,
      `SELECT row_group_id, row_group_num_rows AS n FROM parquet_metadata(${sqlString(path)})
       WHERE path_in_schema = 'n' ORDER BY row_group_id`,
    );
    expect(groups.map((g) => g.n)).toEqual([2500n, 2500n, 2500n, 2500n]);
    const agg = await query(
      conn,
      `SELECT min(n) AS lo, max(n) AS hi, count(DISTINCT n) AS k,
              bool_and(label = 'row ' || CAST(n AS VARCHAR)) AS labels_ok
       FROM read_parquet(${sqlString(path)})`,
    );
    expect(agg).toEqual([{ lo: BIG, hi: BIG + 9999n, k: 10_000n, labels_ok: true }]);
  });

  it('writes a thousand one-row batches (each its own schema object, without field metadata) in order', async () => {
    // One unit's small result each, as a 1,000-account run gives; several go to the encoder at once.
    const meta = new Map([['athena.type', 'bigint']]);
    const schema = new Schema([
      new Field('n', new Int64(), true, meta),
      new Field('label', new Utf8(), true),
    ]);
    const batches = Array.from({ length: 1000 }, (_, i) =>
      batchOf({ n: int64Col([BIG + BigInt(i)]), label: utf8Col([i % 7 === 0 ? null : `row ${i}`]) }),
    );
    const path = join(dir, 'small.parquet');
    expect((await writeParquetFile(path, schema, batches)).rows).toBe(1000);
    const rows = await query(conn, `SELECT n, label FROM read_parquet(${sqlString(path)})`);
    expect(rows).toEqual(
      Array.from({ length: 1000 }, (_, i) => ({
        n: BIG + BigInt(i),
        label: i % 7 === 0 ? null : `row ${i}`,
      })),
    );
  });

  it('conforms batches to the schema (column order, missing columns)', async () => {
    const schema = new Schema([new Field('a', new Int64(), true), new Field('b', new Utf8(), true)]);
    const batches = [batchOf({ b: utf8Col(['x']), a: int64Col([1n]) }), batchOf({ a: int64Col([BIG]) })];
    const path = join(dir, 'conform.parquet');
    await writeParquetFile(path, schema, batches);
    expect(await query(conn, `SELECT * FROM read_parquet(${sqlString(path)})`)).toEqual([
      { a: 1n, b: 'x' },
      { a: BIG, b: null },
    ]);
  });

  it('writes NULLs of every type for columns a batch does not have', async () => {
    const full = sampleBatch();
    const path = join(dir, 'missing.parquet');
    await writeParquetFile(path, full.schema, [batchOf({ s: utf8Col(['only this']) }), full]);
    const rows = await query(
      conn,
      `SELECT count(*) AS n, ${full.schema.fields.map((f) => `count(${f.name}) AS ${f.name}`).join(', ')}
       FROM read_parquet(${sqlString(path)})`,
    );
    // 4 rows; the first has only `s`; the sample's third row is all NULL.
    expect(rows).toEqual([
      { n: 4n, ...Object.fromEntries(full.schema.fields.map((f) => [f.name, f.name === 's' ? 3n : 2n])) },
    ]);
  });

  it('writes files one after another, a failed one between them, each complete and exact', async () => {
    // The encoder thread serves file after file; one whose source fails is not reused.
    const schema = new Schema([new Field('n', new Int64(), true)]);
    const file = (i: number) => join(dir, `seq-${i}.parquet`);
    async function* failing(): AsyncGenerator<RecordBatch> {
      yield batchOf({ n: int64Col([1n]) });
      await Promise.resolve();
      throw new Error('source failed');
    }
    for (let i = 0; i < 4; i++) {
      if (i === 2) {
        await expect(writeParquetFile(file(i), schema, failing())).rejects.toThrow('source failed');
        continue;
      }
      await writeParquetFile(file(i), schema, [batchOf({ n: int64Col([BIG + BigInt(i), null]) })]);
    }
    expect(existsSync(file(2))).toBe(false);
    for (const i of [0, 1, 3]) {
      expect(await query(conn, `SELECT n FROM read_parquet(${sqlString(file(i))})`)).toEqual([
        { n: BIG + BigInt(i) },
        { n: null },
      ]);
    }
  });

  it('leaves no final and no temp file when the source fails midway', async () => {
    const batch = sampleBatch();
    async function* failing(): AsyncGenerator<RecordBatch> {
      yield batch;
      await Promise.resolve();
      yield batch;
      throw new Error('Athena paging failed');
    }
    const path = join(dir, 'fail.parquet');
    await expect(writeParquetFile(path, batch.schema, failing())).rejects.toThrow('Athena paging failed');
    expect(await listDir(dir)).toEqual([]);
  });

  it('fails cleanly when the source fails before its first batch', async () => {
    const schema = sampleBatch().schema;
    // eslint-disable-next-line require-yield
    function* failing(): Generator<RecordBatch> {
      throw new Error('no results at all');
    }
    await expect(writeParquetFile(join(dir, 'first.parquet'), schema, failing())).rejects.toThrow(
      'no results at all',
    );
    expect(await listDir(dir)).toEqual([]);
  });

  it('closes the source when a batch cannot be written (a column outside the schema)', async () => {
    const schema = new Schema([new Field('a', new Int64(), true)]);
    let closed = false;
    function* source(): Generator<RecordBatch> {
      try {
        yield batchOf({ a: int64Col([1n]) });
        yield batchOf({ a: int64Col([2n]), surprise: utf8Col(['x']) });
        yield batchOf({ a: int64Col([3n]) });
      } finally {
        closed = true;
      }
    }
    await expect(writeParquetFile(join(dir, 'x.parquet'), schema, source())).rejects.toThrow(/surprise/);
    expect(closed).toBe(true);
    expect(await listDir(dir)).toEqual([]);
  });

  it('passes a FanoutError from the source through unchanged', async () => {
    const batch = sampleBatch();
    const original = new FanoutError('bad value', {
      context: { stage: 'results', accountId: '123456789012' },
    });
    function* failing(): Generator<RecordBatch> {
      yield batch;
      throw original;
    }
    await expect(writeParquetFile(join(dir, 'x.parquet'), batch.schema, failing())).rejects.toBe(original);
  });

  it('keeps an existing file intact when a rewrite fails', async () => {
    const path = join(dir, 'keep.parquet');
    await writeFile(path, 'previous run');
    const batch = sampleBatch();
    function* failing(): Generator<RecordBatch> {
      yield batch;
      throw new Error('interrupted');
    }
    await expect(writeParquetFile(path, batch.schema, failing())).rejects.toThrow('interrupted');
    expect(await readFile(path, 'utf8')).toBe('previous run');
    expect(await listDir(dir)).toEqual(['keep.parquet']);
  });

  it('replaces an existing file on success', async () => {
    const path = join(dir, 'replace.parquet');
    await writeFile(path, 'previous run');
    const batch = sampleBatch();
    await writeParquetFile(path, batch.schema, [batch]);
    expect((await readHy(path)).length).toBe(3);
    expect(await listDir(dir)).toEqual(['replace.parquet']);
  });

  it('rejects a schema without columns with a clear error', async () => {
    const path = join(dir, 'none.parquet');
    await expect(writeParquetFile(path, new Schema([]), [])).rejects.toThrow(/no columns/);
    expect(existsSync(path)).toBe(false);
  });
});
