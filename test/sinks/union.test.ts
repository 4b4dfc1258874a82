import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  Schema,
  TimestampMillisecond,
  Utf8,
  Bool,
  DateDay,
  util,
  type DataType,
} from 'apache-arrow';
import type { DuckDBConnection } from '@duckdb/node-api';
import { FanoutError } from '../../src/errors.js';
import { conformBatch, unionSchemas, writeParquetFile } from '../../src/sinks/index.js';
import {
  BIG,
  BIG_DEC,
  MIN_I64,
  TS,
  batchOf,
  boolCol,
  dateCol,
  decimalCol,
  floatCol,
  int64Col,
  intCol,
  openDuckDB,
  query,
  sqlString,
  tempDir,
  timestampCol,
  utf8Col,
  rowsOf,
  valuesOf,
} from '../helpers/arrow-fixtures.js';

function schemaOf(cols: Record<string, DataType>, nullable = false): Schema {
  return new Schema(Object.entries(cols).map(([n, t]) => new Field(n, t, nullable)));
}

function typeOf(schema: Schema, name: string): string {
  return String(schema.fields.find((f) => f.name === name)?.type);
}

describe('unionSchemas', () => {
  it('unions columns by name in first-seen order; a column missing anywhere is nullable', () => {
    const { schema, warnings } = unionSchemas([
      schemaOf({ account_id: new Utf8(), a: new Int64() }),
      schemaOf({ account_id: new Utf8(), b: new Utf8(), a: new Int64() }),
      schemaOf({ c: new Bool(), account_id: new Utf8(), a: new Int64() }),
    ]);
    expect(schema.fields.map((f) => [f.name, f.nullable])).toEqual([
      ['account_id', false],
      ['a', false],
      ['b', true],
      ['c', true],
    ]);
    expect(warnings).toEqual([]);
  });

  it('widens numbers: small ints to Int64, Float32 to Float64, ints with floats to Float64', () => {
    const { schema, warnings } = unionSchemas([
      schemaOf({ i: new Int8(), j: new Int32(), f: new Float32(), m: new Int32() }),
      schemaOf({ i: new Int16(), j: new Int64(), f: new Float64(), m: new Float32() }),
    ]);
    expect(typeOf(schema, 'i')).toBe(String(new Int64()));
    expect(typeOf(schema, 'j')).toBe(String(new Int64()));
    expect(typeOf(schema, 'f')).toBe(String(new Float64()));
    expect(typeOf(schema, 'm')).toBe(String(new Float64()));
    expect(warnings).toEqual([]);
  });

  it('warns that Int64 merged with a float can lose exactness', () => {
    const { schema, warnings } = unionSchemas(
      [schemaOf({ n: new Int64() }), schemaOf({ n: new Float64() })],
      ['account 111111111111', 'account 222222222222'],
    );
    expect(typeOf(schema, 'n')).toBe(String(new Float64()));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"n"');
    expect(warnings[0]).toContain('int64 in account 111111111111');
    expect(warnings[0]).toContain('2^53');
  });

  it('merges decimals to the max integer digits plus the max scale, capped at 38', () => {
    const merged = unionSchemas([
      schemaOf({ d: new Decimal(2, 10, 128), e: new Decimal(9, 38, 128), k: new Decimal(2, 5, 128) }),
      schemaOf({ d: new Decimal(5, 8, 128), e: new Decimal(0, 38, 128), k: new Int32() }),
    ]);
    const d = merged.schema.fields[0]!.type as Decimal;
    expect([d.precision, d.scale]).toEqual([13, 5]); // 8 integer digits + 5 scale
    const e = merged.schema.fields[1]!.type as Decimal;
    expect([e.precision, e.scale]).toEqual([38, 9]);
    const k = merged.schema.fields[2]!.type as Decimal;
    expect([k.precision, k.scale]).toEqual([12, 2]); // int32 needs 10 integer digits
    expect(merged.warnings).toHaveLength(1);
    expect(merged.warnings[0]).toMatch(/"e".*capped at 38/);
  });

  it('falls back to Utf8 with a warning for anything else', () => {
    const { schema, warnings } = unionSchemas(
      [
        schemaOf({ x: new Int64(), t: new TimestampMillisecond() }),
        schemaOf({ x: new Utf8(), t: new DateDay() }),
        schemaOf({ x: new Float64(), t: new TimestampMillisecond() }),
      ],
      ['a1', 'a2', 'a3'],
    );
    expect(typeOf(schema, 'x')).toBe(String(new Utf8()));
    expect(typeOf(schema, 't')).toBe(String(new Utf8()));
    expect(warnings).toEqual([
      'column "x" has incompatible types across inputs: int64 in a1, utf8 in a2, float64 in a3; written as Utf8 text',
      'column "t" has incompatible types across inputs: timestamp[ms] in a1, date32 in a2; written as Utf8 text',
    ]);
  });
});

describe('conformBatch', () => {
  it('reorders columns, adds all-null columns and widens integers and floats exactly', () => {
    const target = schemaOf({ a: new Int64(), b: new Utf8(), c: new Float64(), f: new Float64() }, true);
    const batch = batchOf({
      f: floatCol(new Float32(), [0.1, null]),
      c: intCol(new Int32(), [2147483647, -5]),
      a: intCol(new Int16(), [-32768, null]),
    });
    const out = conformBatch(batch, target);
    expect(util.compareSchemas(out.schema, target)).toBe(true);
    expect(out.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(
      target.fields.map((f) => `${f.name}:${String(f.type)}`),
    );
    expect(out.numRows).toBe(2);
    expect(rowsOf(out)).toEqual([
      { a: -32768n, b: null, c: 2147483647, f: Math.fround(0.1) },
      { a: null, b: null, c: -5, f: null },
    ]);
  });

  it('rescales decimals exactly and refuses values that do not fit', () => {
    const target = schemaOf({ d: new Decimal(9, 38, 128) }, true);
    const out = conformBatch(batchOf({ d: decimalCol(10, 2, ['-12345678.91', null, '0.05']) }), target);
    const text = conformBatch(out, schemaOf({ d: new Utf8() }, true));
    expect(valuesOf(text.getChild('d'))).toEqual(['-12345678.910000000', null, '0.050000000']);

    const narrow = schemaOf({ d: new Decimal(2, 4, 128) }, true);
    expect(() => conformBatch(batchOf({ d: intCol(new Int32(), [123]) }), narrow)).toThrow(FanoutError);
  });

  it('renders values as exact text when the union fell back to Utf8', () => {
    const target = schemaOf(
      { i: new Utf8(), d: new Utf8(), t: new Utf8(), day: new Utf8(), b: new Utf8() },
      true,
    );
    const batch = batchOf({
      i: int64Col([BIG, MIN_I64, null]),
      d: decimalCol(38, 9, [BIG_DEC, '-0.5', null]),
      t: timestampCol([TS, -1n, null], 'UTC'),
      day: dateCol([19898, -719162, null]),
      b: boolCol([true, false, null]),
    });
    const out = conformBatch(batch, target);
    const col = (n: string) => valuesOf(out.getChild(n));
    expect(col('i')).toEqual(['9007199254740993', '-9223372036854775808', null]);
    expect(col('d')).toEqual([BIG_DEC, '-0.500000000', null]);
    expect(col('t')).toEqual(['2024-06-24 09:30:51.123 UTC', '1969-12-31 23:59:59.999 UTC', null]);
    expect(col('day')).toEqual(['2024-06-24', '0001-01-01', null]);
    expect(col('b')).toEqual(['true', 'false', null]);
  });

  it('keeps "" apart from NULL and Float32 text short', () => {
    const target = schemaOf({ s: new Utf8(), f: new Utf8() }, true);
    const out = conformBatch(
      batchOf({ s: utf8Col(['', null]), f: floatCol(new Float32(), [0.1, null]) }),
      target,
    );
    expect([out.getChild('s')!.get(0), out.getChild('s')!.get(1)]).toEqual(['', null]);
    expect(out.getChild('f')!.get(0)).toBe('0.1');
  });

  it('rejects a batch with a column the schema does not have', () => {
    const target = schemaOf({ a: new Int64() }, true);
    expect(() => conformBatch(batchOf({ a: int64Col([1n]), zzz: utf8Col(['x']) }), target)).toThrow(/zzz/);
  });

  it('returns an already conforming batch as is', () => {
    const batch = batchOf({ a: int64Col([1n]) });
    expect(conformBatch(batch, batch.schema)).toBe(batch);
  });
});

describe('union → conform → Parquet, read by DuckDB', () => {
  let duck: { conn: DuckDBConnection; close: () => void };
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    duck = await openDuckDB();
  });
  afterAll(() => {
    duck.close();
  });
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('merges accounts whose columns and types differ into one exactly typed file', async () => {
    const acct1 = batchOf({
      account_id: utf8Col(['111111111111']),
      n: intCol(new Int32(), [7]),
      amount: decimalCol(10, 2, ['12.34']),
      note: utf8Col(['x']),
    });
    const acct2 = batchOf({
      account_id: utf8Col(['222222222222']),
      amount: decimalCol(38, 9, [BIG_DEC]),
      n: int64Col([BIG]),
      note: int64Col([MIN_I64]),
      extra: boolCol([true]),
    });
    const { schema, warnings } = unionSchemas([acct1.schema, acct2.schema]);
    expect(warnings).toHaveLength(1);
    const path = join(dir, 'merged.parquet');
    const written = await writeParquetFile(path, schema, [acct1, acct2]);
    expect(written.rows).toBe(2);
    const described = await query(duck.conn, `DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
    expect(described.map((r) => [r.column_name, r.column_type])).toEqual([
      ['account_id', 'VARCHAR'],
      ['n', 'BIGINT'],
      ['amount', 'DECIMAL(38,9)'],
      ['note', 'VARCHAR'],
      ['extra', 'BOOLEAN'],
    ]);
    const rows = await query(
      duck.conn,
      `SELECT account_id, n, CAST(amount AS VARCHAR) AS amount, note, extra FROM read_parquet(${sqlString(path)})`,
    );
    expect(rows).toEqual([
      { account_id: '111111111111', n: 7n, amount: '12.340000000', note: 'x', extra: null },
      { account_id: '222222222222', n: BIG, amount: BIG_DEC, note: '-9223372036854775808', extra: true },
    ]);
  });
});
