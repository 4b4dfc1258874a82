import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataType, RecordBatchFileReader, tableFromIPC, type RecordBatch } from 'apache-arrow';
import { writeArrowFile } from '../../src/sinks/index.js';
import {
  BIG,
  BIG_DEC,
  DAY,
  MIN_I64,
  TS,
  TS_OLD,
  batchOf,
  int64Col,
  listDir,
  rowsOf,
  sampleBatch,
  valuesOf,
  tempDir,
  utf8Col,
} from '../helpers/arrow-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

/** Unscaled decimal value from Arrow's 4 little-endian 32-bit words, decoded here independently. */
function decimalText(words: Uint32Array, scale: number): string {
  let v = 0n;
  for (let w = 3; w >= 0; w--) v = (v << 32n) | BigInt(words[w]!);
  v = BigInt.asIntN(128, v);
  const digits = (v < 0n ? -v : v).toString().padStart(scale + 1, '0');
  return `${v < 0n ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

describe('writeArrowFile', () => {
  it('writes the Arrow IPC file format with every value exact', async () => {
    const batch = sampleBatch();
    const path = join(dir, 'nested', 'all.arrow');
    const written = await writeArrowFile(path, batch.schema, [batch, batch]);
    expect(written.rows).toBe(6);
    const bytes = await readFile(path);
    expect(written.bytes).toBe(bytes.length);
    // The file format (not the stream format) starts and ends with the ARROW1 magic.
    expect(bytes.subarray(0, 6).toString()).toBe('ARROW1');
    expect(bytes.subarray(-6).toString()).toBe('ARROW1');

    const reader = RecordBatchFileReader.from(bytes);
    expect(reader.isFile()).toBe(true);
    const table = tableFromIPC(bytes);
    expect(table.numRows).toBe(6);
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(
      batch.schema.fields.map((f) => `${f.name}:${String(f.type)}`),
    );
    const first3 = (name: string) => valuesOf(table.getChild(name)).slice(0, 3);
    expect(first3('id')).toEqual([BIG, MIN_I64, null]);
    expect(first3('s')).toEqual(['héllo, "wörld"\nnext', '', null]);
    expect(first3('b')).toEqual([true, false, null]);
    expect(first3('i8')).toEqual([-128, 127, null]);
    expect(first3('f64')).toEqual([0.1, 1e300, null]);
    const typeOf = (name: string) => table.schema.fields.find((f) => f.name === name)!.type as DataType;
    const decType = typeOf('dec');
    expect(DataType.isDecimal(decType) && [decType.precision, decType.scale, decType.bitWidth]).toEqual([
      38, 9, 128,
    ]);
    const dec = table.batches[0]!.getChild('dec')!.data[0]!;
    const words = dec.values as Uint32Array;
    expect(decimalText(words.subarray(0, 4), 9)).toBe(BIG_DEC);
    expect(decimalText(words.subarray(4, 8), 9)).toBe('-0.000000001');
    expect(dec.getValid(2)).toBe(false);
    const ts = table.batches[0]!.getChild('ts')!.data[0]!.values as BigInt64Array;
    expect([ts[0], ts[1]]).toEqual([TS, TS_OLD]);
    const tsType = typeOf('ts');
    const tsLocalType = typeOf('ts_local');
    expect(DataType.isTimestamp(tsType) && tsType.timezone).toBe('UTC');
    expect(DataType.isTimestamp(tsLocalType) && (tsLocalType.timezone ?? null)).toBe(null);
    const d = table.batches[0]!.getChild('d')!.data[0]!;
    const days = d.values as Int32Array;
    expect([days[0], days[1], d.getValid(2)]).toEqual([DAY, -1, false]);
  });

  it('still writes a valid file with the schema when the source yields nothing', async () => {
    const schema = sampleBatch().schema;
    const path = join(dir, 'empty.arrow');
    const written = await writeArrowFile(path, schema, []);
    expect(written.rows).toBe(0);
    const table = tableFromIPC(await readFile(path));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(schema.fields.map((f) => f.name));
  });

  it('conforms batches whose columns come in another order or are missing', async () => {
    const target = batchOf({ a: int64Col([1n]), b: utf8Col(['x']) }).schema;
    const path = join(dir, 'conform.arrow');
    await writeArrowFile(path, target, [
      batchOf({ b: utf8Col(['y']), a: int64Col([BIG]) }),
      batchOf({ a: int64Col([2n]) }),
    ]);
    const table = tableFromIPC(await readFile(path));
    expect(rowsOf(table)).toEqual([
      { a: BIG, b: 'y' },
      { a: 2n, b: null },
    ]);
  });

  it('leaves no final and no temp file when the source fails midway', async () => {
    const batch = sampleBatch();
    async function* failing(): AsyncGenerator<RecordBatch> {
      yield batch;
      await Promise.resolve();
      throw new Error('results page 7 failed');
    }
    const path = join(dir, 'fail.arrow');
    await expect(writeArrowFile(path, batch.schema, failing())).rejects.toThrow('results page 7 failed');
    expect(await listDir(dir)).toEqual([]);
  });

  it('keeps an existing file intact when a rewrite fails', async () => {
    const path = join(dir, 'keep.arrow');
    await writeFile(path, 'previous run');
    const batch = sampleBatch();
    function* failing(): Generator<RecordBatch> {
      yield batch;
      throw new Error('interrupted');
    }
    await expect(writeArrowFile(path, batch.schema, failing())).rejects.toThrow('interrupted');
    expect(await readFile(path, 'utf8')).toBe('previous run');
    expect(await listDir(dir)).toEqual(['keep.arrow']);
  });
});
