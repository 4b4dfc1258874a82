import type { ColumnInfo } from '@aws-sdk/client-athena';
import { type RecordBatch, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildRecordBatch,
  CsvDecodePool,
  csvRecordBatches,
  schemaForColumns,
} from '../../../src/extract/index.js';
import { widenTimestampUnits } from '../../../src/extract/columns/timestamp-unit.js';
import { conformBatch } from '../../../src/sinks/index.js';
import { row } from '../fake-athena.js';

/** Each column type with canonical texts (the CSV fast paths) and every odd form next to them. */
const CASES: [ColumnInfo, string[]][] = [
  [
    { Name: 'i8', Type: 'tinyint' },
    ['0', '-128', '127', '128', '007', '+5', '-', '1.0', '99999999999999999'],
  ],
  [{ Name: 'i32', Type: 'integer' }, ['-2147483648', '2147483647', '2147483648', '-0', ' 1', '1e3']],
  [
    { Name: 'i64', Type: 'bigint' },
    ['0', '-0', '999999999999999', '9007199254740993', '-9223372036854775808', '9223372036854775808', '12a'],
  ],
  [
    { Name: 'f64', Type: 'double' },
    [
      '0.0',
      '-0.0',
      '1.5',
      '888518.63',
      '0.1',
      '0.30000000000000004',
      '9007199254740993.1',
      '1234567890123456.789',
      '1.0E20',
      '4.9E-324',
      'NaN',
      '-Infinity',
      '.5',
      '5.',
      '1..2',
      '1,5',
    ],
  ],
  [{ Name: 'f32', Type: 'real' }, ['1.5', '0.1', '3.4028235E38', 'x']],
  [{ Name: 'b', Type: 'boolean' }, ['true', 'false', 'TRUE', 'fals', '']],
  [
    { Name: 'd', Type: 'date' },
    [
      '1970-01-01',
      '1900-03-01',
      '2024-02-29',
      '2023-02-29',
      '0001-01-01',
      '10000-01-01',
      '2024-1-01',
      '2024-13-01',
    ],
  ],
  [
    { Name: 'ts', Type: 'timestamp', Precision: 3 },
    [
      '2024-06-24 09:30:51.000',
      '1969-12-31 23:59:59.999',
      '2024-06-24 09:30:51',
      '2024-06-24T09:30:51.5',
      '2024-06-24 09:30:51.123000',
      '2024-06-24 09:30:51.123456',
      '2024-06-24 09:30:51.123456789',
      '2024-06-24 09:30:51.1234567890',
      '2024-06-24 09:30:51.1234567891',
      '2024-06-24 24:00:00.000',
      '2024-06-24 09:30',
    ],
  ],
  [
    { Name: 'dec', Type: 'decimal', Precision: 18, Scale: 4 },
    [
      '0.0000',
      '-0.0000',
      '259909.3746',
      '-40197.5203',
      '1.5',
      '1.50000',
      '1.23456',
      '99999999999999.9999',
      '100000000000000.0000',
      '-.5',
      '1e3',
    ],
  ],
  [
    { Name: 'dec38', Type: 'decimal', Precision: 38, Scale: 9 },
    ['-12345678901234567890123456789.123456789', '1.000000000'],
  ],
  [{ Name: 'bin', Type: 'varbinary' }, ['68 65', '', 'zz']],
  [{ Name: 's', Type: 'varchar' }, ['', 'a "q"', 'ü\r\n']],
];

function csvText(name: string, values: (string | null)[]): string {
  return `"${name}"\n${values.map((v) => (v === null ? '' : `"${v.replaceAll('"', '""')}"`)).join('\n')}\n`;
}

async function viaCsv(
  col: ColumnInfo,
  values: (string | null)[],
  pool?: CsvDecodePool,
): Promise<Table | Error> {
  const schema = schemaForColumns([col]);
  const body = (async function* () {
    await Promise.resolve();
    yield Buffer.from(csvText(col.Name!, values), 'utf8');
  })();
  try {
    const batches: RecordBatch[] = [];
    for await (const b of csvRecordBatches(body, schema, [col.Name!], {
      ctx: { accountId: 'A', queryName: 'q' },
      // Through the pool, one record per piece: a bad value's row number is found across pieces.
      ...(pool ? { pool, stretchBytes: 1 } : {}),
    })) {
      batches.push(b);
    }
    // A batch's timestamp unit follows its values (one record per piece: one batch each), so the
    // table takes the finest unit any batch needed, as a run's merge does.
    const widened = batches.reduce((s, b) => widenTimestampUnits(s, b.schema), schema);
    const table = new Table(
      widened,
      batches.map((b) => conformBatch(b, widened)),
    );
    return tableFromIPC(tableToIPC(table));
  } catch (err) {
    return err as Error;
  }
}

function viaApi(col: ColumnInfo, values: (string | null)[]): Table | Error {
  const schema = schemaForColumns([col]);
  try {
    const batch = buildRecordBatch(
      schema,
      values.map((v) => row(v)),
      1,
      [],
      { accountId: 'A', queryName: 'q' },
    );
    return tableFromIPC(tableToIPC(new Table([batch])));
  } catch (err) {
    return err as Error;
  }
}

const show = (t: Table | Error) =>
  t instanceof Error
    ? `error: ${t.message}`
    : [
        t.schema.fields.map((f) => String(f.type)),
        ...t.toArray().map((r: { toJSON(): unknown }) => r.toJSON()),
      ];

describe('the CSV path reads every value exactly as the API path does', () => {
  const pool = new CsvDecodePool(2);
  afterAll(() => pool.close());

  for (const [col, texts] of CASES) {
    it(`${col.Type}: same value or same error, value by value`, async () => {
      for (const text of texts) {
        // Each text in its own column between a NULL and itself, so row numbers in errors matter too.
        const values = [null, text];
        const api = show(viaApi(col, values));
        expect(show(await viaCsv(col, values)), `${col.Type} ${JSON.stringify(text)}`).toEqual(api);
        expect(show(await viaCsv(col, values, pool)), `pooled ${col.Type} ${JSON.stringify(text)}`).toEqual(
          api,
        );
      }
      // And all the valid ones together in one batch.
      const good = texts.filter((t) => !(viaApi(col, [t]) instanceof Error));
      expect(good.length).toBeGreaterThan(0);
      expect(show(await viaCsv(col, [...good, null]))).toEqual(show(viaApi(col, [...good, null])));
      expect(show(await viaCsv(col, [...good, null], pool))).toEqual(show(viaApi(col, [...good, null])));
    });
  }
});
