import { DateUnit, TimeUnit, Type } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { FanoutError } from '../../../src/errors.js';
import { buildRecordBatch, schemaForColumns } from '../../../src/extract/index.js';
import { convert, decimalValues, rawValues, typeOf, values } from './convert.js';
import { col, row } from '../fake-athena.js';

function rowsOf(...vals: (string | null)[]) {
  return vals.map((v) => row(v));
}

function failure(fn: () => unknown): FanoutError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FanoutError);
    return err as FanoutError;
  }
  throw new Error('expected a FanoutError');
}

describe('boolean and integers', () => {
  it('reads boolean with NULL', () => {
    const t = convert([col('b', 'boolean')], rowsOf('true', null, 'false'));
    expect(typeOf(t, 'b').typeId).toBe(Type.Bool);
    expect(values(t, 'b')).toEqual([true, null, false]);
  });

  it('reads tinyint / smallint / integer at their limits', () => {
    const t = convert(
      [col('a', 'tinyint'), col('b', 'smallint'), col('c', 'integer')],
      [row('-128', '-32768', '-2147483648'), row('127', '32767', '2147483647'), row(null, '0', null)],
    );
    expect([typeOf(t, 'a'), typeOf(t, 'b'), typeOf(t, 'c')].map((x) => x.name)).toEqual([
      'Int8',
      'Int16',
      'Int32',
    ]);
    expect(values(t, 'a')).toEqual([-128, 127, null]);
    expect(values(t, 'b')).toEqual([-32768, 32767, 0]);
    expect(values(t, 'c')).toEqual([-2147483648, 2147483647, null]);
  });

  it('rejects an integer out of range instead of wrapping it', () => {
    const e = failure(() => convert([col('a', 'tinyint')], rowsOf('1', '128')));
    expect(e.message).toMatch(/row 2, column a/);
  });

  it('reads bigint exactly beyond 2^53 and at the int64 limits', () => {
    const t = convert(
      [col('id', 'bigint')],
      rowsOf('9007199254740993', '-9223372036854775808', '9223372036854775807', null, '0'),
    );
    expect(typeOf(t, 'id').name).toBe('Int64');
    expect(values(t, 'id')).toEqual([
      9007199254740993n,
      -9223372036854775808n,
      9223372036854775807n,
      null,
      0n,
    ]);
  });

  it('rejects bigint overflow and non-integers', () => {
    expect(failure(() => convert([col('id', 'bigint')], rowsOf('9223372036854775808'))).message).toMatch(
      /row 1, column id\): value "9223372036854775808" is not a valid bigint/,
    );
    expect(() => convert([col('id', 'bigint')], rowsOf('1.0'))).toThrow(FanoutError);
    expect(() => convert([col('id', 'integer')], rowsOf(' 1'))).toThrow(FanoutError);
  });
});

describe('real and double', () => {
  it('accepts Java double spellings', () => {
    const t = convert(
      [col('d', 'double')],
      rowsOf('1.0E20', 'NaN', 'Infinity', '-Infinity', '-0.5', '4.9E-324', '1.7976931348623157E308', null),
    );
    expect(typeOf(t, 'd').name).toBe('Float64');
    expect(values(t, 'd')).toEqual([1e20, NaN, Infinity, -Infinity, -0.5, 5e-324, Number.MAX_VALUE, null]);
  });

  it('stores real as Float32', () => {
    const t = convert([col('r', 'real'), col('f', 'float')], [row('1.5', '3.4028235E38'), row('0.1', null)]);
    expect(typeOf(t, 'r').name).toBe('Float32');
    expect(typeOf(t, 'f').name).toBe('Float32');
    expect(values(t, 'r')).toEqual([1.5, Math.fround(0.1)]);
    expect(values(t, 'f')).toEqual([Math.fround(3.4028235e38), null]);
  });

  it('rejects empty text and hex as a double (no silent 0)', () => {
    expect(failure(() => convert([col('d', 'double')], rowsOf('1', ''))).message).toMatch(/row 2, column d/);
    expect(() => convert([col('d', 'double')], rowsOf('0x10'))).toThrow(FanoutError);
  });
});

describe('decimal', () => {
  it('builds decimal(38,9) exactly from the text, scale and precision from ColumnInfo', () => {
    const t = convert(
      [col('amount', 'decimal', 38, 9)],
      rowsOf(
        '12345678901234567890123456789.123456789',
        '-12345678901234567890123456789.123456789',
        '99999999999999999999999999999.999999999',
        '0.000000001',
        null,
      ),
    );
    const type = typeOf(t, 'amount');
    expect(type.typeId).toBe(Type.Decimal);
    expect({ precision: type.precision, scale: type.scale }).toEqual({ precision: 38, scale: 9 });
    expect(decimalValues(t, 'amount')).toEqual([
      12345678901234567890123456789123456789n,
      -12345678901234567890123456789123456789n,
      99999999999999999999999999999999999999n,
      1n,
      null,
    ]);
  });

  it('pads fewer scale digits, keeps negatives and accepts extra trailing zeros', () => {
    const t = convert([col('p', 'decimal', 10, 3)], rowsOf('-1.5', '2', '-0.001', '7.25000', '.5', '-0'));
    expect(decimalValues(t, 'p')).toEqual([-1500n, 2000n, -1n, 7250n, 500n, 0n]);
  });

  it('falls back to the type string when ColumnInfo has no precision', () => {
    const t = convert([col('p', 'decimal(5,2)')], rowsOf('123.45'));
    expect(typeOf(t, 'p').name).toMatch(/Decimal/);
    expect(typeOf(t, 'p').scale).toBe(2);
    expect(decimalValues(t, 'p')).toEqual([12345n]);
  });

  it('rejects rounding and overflow', () => {
    expect(failure(() => convert([col('p', 'decimal', 10, 2)], rowsOf('1.234'))).message).toMatch(
      /column p\): value "1.234" is not a valid decimal\(10,2\): more than 2 fractional digits/,
    );
    expect(() => convert([col('p', 'decimal', 4, 2)], rowsOf('123.4'))).toThrow(/more than 4 digits/);
    expect(() => convert([col('p', 'decimal', 4, 2)], rowsOf('1e3'))).toThrow(FanoutError);
  });
});

describe('date and timestamp', () => {
  it('reads dates as days, including before 1970 and years below 100', () => {
    const t = convert(
      [col('d', 'date')],
      rowsOf('2024-06-24', '1970-01-01', '1969-12-31', '1900-03-01', '0001-01-01', null),
    );
    const type = typeOf(t, 'd');
    expect(type.unit).toBe(DateUnit.DAY);
    expect(rawValues(t, 'd')).toEqual([19898, 0, -1, -25508, -719162, null]);
  });

  it('rejects impossible dates', () => {
    expect(() => convert([col('d', 'date')], rowsOf('2023-02-29'))).toThrow(/not a calendar date/);
    expect(() => convert([col('d', 'date')], rowsOf('2024-06-24 00:00:00'))).toThrow(FanoutError);
  });

  it('reads timestamp as UTC milliseconds', () => {
    const t = convert(
      [col('ts', 'timestamp', 3)],
      rowsOf(
        '2024-06-24 09:30:51.000',
        '2024-06-24 09:30:51.1',
        '1969-12-31 23:59:59.999',
        '2024-06-24 09:30:51',
        null,
      ),
    );
    const type = typeOf(t, 'ts');
    expect(type.unit).toBe(TimeUnit.MILLISECOND);
    expect(type.timezone ?? null).toBeNull();
    const base = Date.UTC(2024, 5, 24, 9, 30, 51);
    expect(values(t, 'ts')).toEqual([base, base + 100, -1, base, null]);
  });

  it('takes the unit from the digits the values print, whatever ColumnInfo.Precision says', () => {
    const us = convert(
      [col('ts', 'timestamp', 3)],
      rowsOf('2024-06-24 09:30:51.123000', null, '2024-06-24 09:30:51'),
    );
    expect(typeOf(us, 'ts').unit).toBe(TimeUnit.MICROSECOND);
    const ns = convert(
      [col('ts', 'timestamp', 3)],
      rowsOf('2024-06-24 09:30:51', '1969-12-31 23:59:59.999999999'),
    );
    expect(typeOf(ns, 'ts').unit).toBe(TimeUnit.NANOSECOND);
    // Beyond nanoseconds only zeros are accepted: never truncated.
    expect(() => convert([col('ts', 'timestamp', 3)], rowsOf('2024-06-24 09:30:51.1234567891'))).toThrow(
      /more than 9 fractional second digits/,
    );
    expect(() => convert([col('ts', 'timestamp')], rowsOf('2024-06-24 24:00:00'))).toThrow(FanoutError);
  });

  it('uses microseconds / nanoseconds when ColumnInfo.Precision asks for them', () => {
    const t = convert(
      [col('us', 'timestamp', 6), col('ns', 'timestamp(9)')],
      [row('2300-01-01 00:00:00.123456', '1969-12-31 23:59:59.999999999')],
    );
    expect(typeOf(t, 'us').unit).toBe(TimeUnit.MICROSECOND);
    expect(typeOf(t, 'ns').unit).toBe(TimeUnit.NANOSECOND);
    const us = BigInt(Date.UTC(2300, 0, 1)) * 1000n + 123456n;
    expect(rawValues(t, 'us')).toEqual([us]);
    expect(rawValues(t, 'ns')).toEqual([-1n]);
  });

  it('converts timestamp with time zone to UTC', () => {
    const t = convert(
      [col('tz', 'timestamp with time zone', 3)],
      rowsOf(
        '2024-06-24 09:30:51.000 UTC',
        '2024-06-24 09:30:51.000 Z',
        '2024-06-24 11:30:51.000 +02:00',
        '2024-06-24 04:30:51.000 -05:30',
        '2024-06-24 11:30:51.000 Europe/Berlin',
        '2024-01-15 04:30:51.000 America/New_York',
        null,
      ),
    );
    const type = typeOf(t, 'tz');
    expect(type.unit).toBe(TimeUnit.MILLISECOND);
    expect(type.timezone).toBe('UTC');
    const base = Date.UTC(2024, 5, 24, 9, 30, 51);
    expect(values(t, 'tz')).toEqual([
      base,
      base,
      base,
      base + 30 * 60_000,
      base,
      Date.UTC(2024, 0, 15, 9, 30, 51),
      null,
    ]);
  });

  it('rejects an unknown zone or a missing one', () => {
    const cols = [col('tz', 'timestamp with time zone')];
    expect(() => convert(cols, rowsOf('2024-06-24 09:30:51.000 Mars/Olympus'))).toThrow(/unknown time zone/);
    expect(() => convert(cols, rowsOf('2024-06-24 09:30:51.000'))).toThrow(/without a time zone/);
  });
});

describe('text', () => {
  it('keeps NULL apart from "" and preserves unicode, quotes and newlines', () => {
    const texts = ['', 'a,b', 'say "hi"', 'line1\nline2\r\n', 'äß€😀', null, ' padded '];
    const t = convert([col('s', 'varchar')], rowsOf(...texts));
    expect(typeOf(t, 's').name).toBe('Utf8');
    expect(values(t, 's')).toEqual(texts);
  });

  it('reads varbinary hex text into Binary bytes, NULL and empty apart', () => {
    const t = convert([col('b', 'varbinary')], rowsOf('68 65 ff', null, ''));
    expect(typeOf(t, 'b').typeId).toBe(Type.Binary);
    expect(values(t, 'b')).toEqual([new Uint8Array([0x68, 0x65, 0xff]), null, new Uint8Array(0)]);
  });

  it('rejects varbinary text that is not hex pairs, naming row and column', () => {
    expect(() => convert([col('b', 'varbinary')], rowsOf('68 6'))).toThrow(
      /row 1, column b.*not a valid varbinary/,
    );
  });

  it('keeps json, array, map, row, time and unknown types as their text', () => {
    const cols = [
      'json',
      'array(varchar)',
      'map(varchar, integer)',
      'row(a integer)',
      'time',
      'ipaddress',
      'char(3)',
      'interval day to second',
      'uuid',
    ].map((type, i) => col(`c${i}`, type));
    const texts = [
      '{"a":[1,2]}',
      '[a, b]',
      '{k=1}',
      '{a=1}',
      '09:30:51.000',
      '10.0.0.1',
      'ab ',
      '1 02:00:00.000',
      '2f1c2c6e-0c5c-4c5e-9f8a-2b1a1f0c0d0e',
    ];
    const t = convert(cols, [row(...texts)]);
    cols.forEach((c, i) => {
      expect(typeOf(t, c.Name!).name).toBe('Utf8');
      expect(values(t, c.Name!)).toEqual([texts[i]]);
    });
  });

  it('prepends constant extra columns: account_id never NULL, the others may be; timestamps typed', () => {
    const t = convert([col('x', 'integer')], rowsOf('1', null, '3'), [
      { name: 'account_id', value: '123456789012' },
      { name: 'region', value: 'eu-west-1' },
      { name: 'account_name', value: undefined },
      { name: 'extracted_at', value: '2026-11-23T10:00:00.123Z', type: 'timestamp' },
    ]);
    expect(t.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ['account_id', 'Utf8', false],
      ['region', 'Utf8', true],
      ['account_name', 'Utf8', true],
      ['extracted_at', 'Timestamp<MILLISECOND, UTC>', true],
      ['x', 'Int32', true],
    ]);
    expect(values(t, 'region')).toEqual(['eu-west-1', 'eu-west-1', 'eu-west-1']);
    expect(values(t, 'account_name')).toEqual([null, null, null]);
    expect(values(t, 'extracted_at')).toEqual([1795428000123, 1795428000123, 1795428000123]);
    expect(values(t, 'account_id')).toEqual(['123456789012', '123456789012', '123456789012']);
    expect(values(t, 'x')).toEqual([1, null, 3]);
  });

  it('refuses a result column that clashes with an extra column', () => {
    expect(() =>
      schemaForColumns([col('account_id', 'varchar')], [{ name: 'account_id', value: '1' }]),
    ).toThrow(/column named account_id/);
  });
});

describe('bad values', () => {
  it('names account, query, row number and column, never a silent NULL', () => {
    const schema = schemaForColumns([col('id', 'bigint'), col('n', 'integer')]);
    const rows = [row('1', '1'), row('2', ''), row('3', '3')];
    const e = failure(() =>
      buildRecordBatch(schema, rows, 10_001, [], { accountId: '222222222222', queryName: 'inventory' }),
    );
    expect(e.message).toBe(
      'Bad query result (account 222222222222, query inventory, row 10002, column n): value "" is not a valid integer: not an integer',
    );
    expect(e.context).toMatchObject({
      stage: 'results',
      accountId: '222222222222',
      queryName: 'inventory',
      row: 10002,
      column: 'n',
      value: '',
    });
  });

  it('reports a row with the wrong number of values', () => {
    const schema = schemaForColumns([col('a', 'varchar'), col('b', 'varchar')]);
    expect(() => buildRecordBatch(schema, [row('x', 'y'), row('x')], 1)).toThrow(
      /row 2\): has 1 values, expected 2/,
    );
  });
});
