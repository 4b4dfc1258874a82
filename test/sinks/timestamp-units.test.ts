import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Field, makeData, RecordBatch, Schema, Struct, TimeUnit, Timestamp, type Data } from 'apache-arrow';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FanoutError } from '../../src/errors.js';
import {
  conformBatch,
  MemoryBudget,
  readSpilled,
  spillBatches,
  unionSchemas,
  writeParquetFile,
} from '../../src/sinks/index.js';
import { bitmap, openDuckDB, query, tempDir } from '../helpers/arrow-fixtures.js';

function tsCol(unit: TimeUnit, values: (bigint | null)[], zone: string | null = null): Data {
  return makeData({
    type: new Timestamp(unit, zone),
    length: values.length,
    data: BigInt64Array.from(values, (v) => v ?? 0n),
    ...bitmap(values),
  });
}

function batch(col: Data, name = 't'): RecordBatch {
  const fields = [new Field(name, col.type, true, new Map([['athena.type', 'timestamp']]))];
  return new RecordBatch(
    new Schema(fields),
    makeData({ type: new Struct(fields), length: col.length, nullCount: 0, children: [col] }),
  );
}

const MS = 1719221451123n; // 2024-06-24 09:30:51.123 UTC
const unitOf = (s: Schema) => (s.fields[0]!.type as Timestamp).unit;

let dir: string;
let cleanup: () => Promise<void>;
let duck: Awaited<ReturnType<typeof openDuckDB>>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());
beforeAll(async () => (duck = await openDuckDB()));
afterAll(() => {
  duck.close();
});

describe('timestamp units across accounts (unionSchemas, conformBatch)', () => {
  it('widens to the finest unit without a warning; nanoseconds warn about their range', () => {
    const ms = batch(tsCol(TimeUnit.MILLISECOND, [MS])).schema;
    const us = batch(tsCol(TimeUnit.MICROSECOND, [MS * 1000n + 456n])).schema;
    const ns = batch(tsCol(TimeUnit.NANOSECOND, [1n])).schema;
    const a = unionSchemas([ms, us], ['account a', 'account b']);
    expect(unitOf(a.schema)).toBe(TimeUnit.MICROSECOND);
    expect(a.warnings).toEqual([]);
    const b = unionSchemas([us, ms, ns], ['a', 'b', 'c']);
    expect(unitOf(b.schema)).toBe(TimeUnit.NANOSECOND);
    expect(b.incompatible).toEqual([]);
    expect(b.warnings).toEqual([
      expect.stringMatching(
        /column "t" .* written as timestamp\[ns\]: nanoseconds hold only 1677-09-21 to 2262-04-11/,
      ),
    ]);
  });

  it('keeps zoned and zone-less timestamps apart (text), whatever their units', () => {
    const local = batch(tsCol(TimeUnit.MILLISECOND, [MS])).schema;
    const utc = batch(tsCol(TimeUnit.MICROSECOND, [MS], 'UTC')).schema;
    expect(unionSchemas([local, utc]).incompatible).toEqual(['t']);
  });

  it('scales values exactly to the finer unit, NULLs kept; a value beyond the nanosecond range fails', () => {
    const target = new Schema([new Field('t', new Timestamp(TimeUnit.NANOSECOND, null), true)]);
    const out = conformBatch(batch(tsCol(TimeUnit.MILLISECOND, [MS, null, -1n])), target);
    const col = out.getChildAt(0)!;
    expect([...(col.data[0]!.values as BigInt64Array)].filter((_, i) => col.isValid(i))).toEqual([
      MS * 1_000_000n,
      -1_000_000n,
    ]);
    expect(col.isValid(1)).toBe(false);
    const year2300 = 10413792000000n; // 2300-01-01 in ms
    expect(() => conformBatch(batch(tsCol(TimeUnit.MILLISECOND, [year2300])), target)).toThrow(FanoutError);
    expect(() => conformBatch(batch(tsCol(TimeUnit.MILLISECOND, [year2300])), target)).toThrow(
      /column "t": value at row 0 does not fit timestamp\[ns\]/,
    );
  });
});

describe('spillBatches: a later batch at a finer unit', () => {
  // On disk; in memory (the result is small and the budget has room); and held in memory until a batch
  // no longer fits, then on disk from the first batch.
  it.each(['disk', 'memory', 'memory, then disk'] as const)(
    'widens the result (%s); every batch reads back and converts to it exactly',
    async (mode) => {
      const first = batch(tsCol(TimeUnit.MILLISECOND, [MS, null]));
      const second = batch(tsCol(TimeUnit.MICROSECOND, [MS * 1000n + 456n]));
      const third = batch(tsCol(TimeUnit.MILLISECOND, [0n]));
      const memory = new MemoryBudget(1024 * 1024);
      const opts =
        mode === 'disk'
          ? {}
          : mode === 'memory'
            ? { memory }
            : { memory, keepBelow: first.data.byteLength + 4096 };
      const path = join(dir, 's.arrows');
      const spilled = await spillBatches(path, first.schema, [first, second, third], opts);
      expect(spilled.path).toBe(mode === 'memory' ? undefined : path);
      expect(
        await stat(path).then(
          () => true,
          () => false,
        ),
      ).toBe(mode !== 'memory');
      // What the memory holds is charged to the run's budget; a result that went to disk gives it back.
      expect(memory.left).toBe(mode === 'memory' ? memory.total - spilled.bytes : memory.total);
      expect(unitOf(spilled.schema)).toBe(TimeUnit.MICROSECOND);
      expect(spilled.schema.fields[0]!.metadata.get('athena.type')).toBe('timestamp');
      expect(spilled.rows).toBe(4);
      const back: RecordBatch[] = [];
      for await (const b of readSpilled(spilled)) back.push(b);
      expect(back.map((b) => b.numRows)).toEqual([2, 1, 1]);

      const file = join(dir, 'out.parquet');
      await writeParquetFile(file, spilled.schema, readSpilled(spilled), { compression: 'zstd' });
      const rows = await query(duck.conn, `SELECT t::VARCHAR AS t FROM read_parquet('${file}')`);
      expect(rows).toEqual([
        { t: '2024-06-24 09:30:51.123' },
        { t: null },
        { t: '2024-06-24 09:30:51.123456' },
        { t: '1970-01-01 00:00:00' },
      ]);
      const [meta] = await query(
        duck.conn,
        `SELECT logical_type::VARCHAR AS l FROM parquet_schema('${file}') WHERE name = 't'`,
      );
      expect(String(meta!.l)).toMatch(/MICROS=MicroSeconds\(\)/);
    },
  );
});
