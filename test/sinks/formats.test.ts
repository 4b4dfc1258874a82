import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { tableFromIPC, Int32 } from 'apache-arrow';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PipelineConfig, SinkConfig } from '../../src/config/index.js';
import { writeOutputs, type UnitValue } from '../../src/run/index.js';
import { spillBatches, writeArrowFile, writeNdjsonFile, writeParquetFile } from '../../src/sinks/index.js';
import {
  BIG,
  BIG_DEC,
  batchOf,
  int64Col,
  intCol,
  listDir,
  openDuckDB,
  query,
  sampleBatch,
  tempDir,
  utf8Col,
  valuesOf,
} from '../helpers/arrow-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

let duck: Awaited<ReturnType<typeof openDuckDB>>;
beforeAll(async () => (duck = await openDuckDB()));
afterAll(() => {
  duck.close();
});

describe('sink formats', () => {
  it('ndjson: one object per row, int64 exact, decimals and timestamps as text, NULL as null', async () => {
    const path = join(dir, 'out.ndjson');
    const batch = sampleBatch();
    const written = await writeNdjsonFile(path, batch.schema, [batch]);
    expect(written.rows).toBe(3);
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    // The raw text keeps 2^53 + 1 exactly, which JSON.parse would round.
    expect(lines[0]).toContain(`"id":${BIG}`);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({
      dec: BIG_DEC,
      ts: '2024-06-24 09:30:51.123 UTC',
      d: '2024-06-24',
      s: 'héllo, "wörld"\nnext',
      b: true,
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({ s: '', b: false, i8: 127 });
    expect(Object.values(JSON.parse(lines[2]!) as object).every((v) => v === null)).toBe(true);
    // An independent reader: DuckDB reads it as a table with BIGINT ids.
    const rows = await query(
      duck.conn,
      `SELECT id::VARCHAR AS id FROM read_json('${path}', format = 'newline_delimited') ORDER BY id NULLS LAST`,
    );
    expect(rows.map((r) => r.id)).toContain(String(BIG));
  });

  it('arrow-stream: the IPC streaming format, read back by apache-arrow', async () => {
    const path = join(dir, 'out.arrows');
    const batch = sampleBatch();
    await writeArrowFile(path, batch.schema, [batch, batch], 'stream');
    const bytes = await readFile(path);
    // A stream starts with a message (continuation marker), not the file format's ARROW1 magic.
    expect(bytes.subarray(0, 6).toString('latin1')).not.toBe('ARROW1');
    const table = tableFromIPC(bytes);
    expect(table.numRows).toBe(6);
    expect(valuesOf(table.getChild('id')).slice(0, 2)).toEqual([BIG, -9223372036854775808n]);
  });

  it('parquet: rowGroupSize and compression reach the file', async () => {
    const path = join(dir, 'out.parquet');
    const batch = sampleBatch();
    await writeParquetFile(path, batch.schema, [batch, batch, batch], {
      rowGroupSize: 2,
      compression: 'snappy',
    });
    const groups = await query(
      duck.conn,
      `SELECT DISTINCT row_group_id, compression FROM parquet_metadata('${path}') ORDER BY row_group_id`,
    );
    expect(groups.map((g) => Number(g.row_group_id))).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(groups.map((g) => g.compression))).toEqual(new Set(['SNAPPY']));
  });
});

describe('writeOutputs: ifExists and path templates', () => {
  async function run(sinks: SinkConfig[]) {
    const batch = sampleBatch();
    const spilled = await spillBatches(join(dir, `spill-${Math.random()}.arrows`), batch.schema, [batch]);
    const unit: UnitValue = {
      record: {
        accountId: '111111111111',
        query: 'q',
        state: 'succeeded',
        attempts: 1,
        queryExecutionIds: [],
        rows: 3,
      },
      data: spilled,
    };
    const config = { queries: [{ name: 'q' }], sinks, region: 'eu-west-1' } as unknown as PipelineConfig;
    return writeOutputs(config, '20261123T104500Z-abc', [unit], pino({ level: 'silent' }), {
      started: new Date('2026-11-23T10:45:00Z'),
    });
  }

  it('renders {query} {runDate} {runId} {region}', async () => {
    const { outputs } = await run([
      {
        type: 'ndjson',
        path: join(dir, '{region}/{runDate}/{query}-{runId}.ndjson'),
        ifExists: 'overwrite',
        layout: 'merged',
      },
    ]);
    expect(outputs[0]!.path).toBe(join(dir, 'eu-west-1/2026-11-23/q-20261123T104500Z-abc.ndjson'));
    expect(outputs[0]!.rows).toBe(3);
  });

  it('overwrite replaces, skip keeps the file with a warning, error fails naming the path', async () => {
    const path = join(dir, 'q.arrow');
    await writeFile(path, 'old');
    const skipped = await run([{ type: 'arrow', path, ifExists: 'skip', layout: 'merged' }]);
    expect(skipped.outputs).toEqual([]);
    expect(skipped.warnings.join()).toMatch(/exists and ifExists is skip/);
    expect(await readFile(path, 'utf8')).toBe('old');
    const refused = await run([{ type: 'arrow', path, ifExists: 'error', layout: 'merged' }]);
    expect(refused.outputs).toMatchObject([
      {
        path,
        state: 'failed',
        rows: 0,
      },
    ]);
    expect(refused.outputs[0]!.error!.message).toContain(`${path} already exists`);
    expect(await readFile(path, 'utf8')).toBe('old');
    await run([{ type: 'arrow', path, ifExists: 'overwrite', layout: 'merged' }]);
    expect(tableFromIPC(await readFile(path)).numRows).toBe(3);
    expect((await listDir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('writeOutputs: schema union and strict', () => {
  async function unitWith(accountId: string, type: 'int' | 'text') {
    const col = type === 'int' ? intColumn() : textColumn();
    const batch = batchOf({ v: col });
    const data = await spillBatches(join(dir, `spill-${accountId}.arrows`), batch.schema, [batch]);
    const unit: UnitValue = {
      record: { accountId, query: 'q', state: 'succeeded', attempts: 1, queryExecutionIds: [], rows: 1 },
      data,
    };
    return unit;
  }
  const intColumn = () => intCol(new Int32(), [7]);
  const textColumn = () => utf8Col(['seven']);

  for (const mode of ['union', 'strict'] as const) {
    it(`${mode}: incompatible types across accounts ${mode === 'union' ? 'become text with a warning' : 'fail the query'}`, async () => {
      const units = [await unitWith('111111111111', 'int'), await unitWith('222222222222', 'text')];
      const path = join(dir, 'q.arrow');
      const config = {
        queries: [{ name: 'q', schema: mode }],
        sinks: [{ type: 'arrow', path, ifExists: 'overwrite', layout: 'merged' }],
        region: 'eu-west-1',
      } as unknown as PipelineConfig;
      const { outputs, warnings } = await writeOutputs(config, 'r', units, pino({ level: 'silent' }));
      expect(warnings.join('\n')).toMatch(
        /column "v" has incompatible types across inputs: .*account 111111111111/,
      );
      if (mode === 'union') {
        expect(outputs).toHaveLength(1);
        expect(valuesOf(tableFromIPC(await readFile(path)).getChild('v'))).toEqual(['7', 'seven']);
        expect(units.every((u) => u.record.state === 'succeeded')).toBe(true);
      } else {
        expect(outputs).toEqual([]);
        expect(await listDir(dir)).not.toContain('q.arrow');
        expect(units.map((u) => u.record.state)).toEqual(['failed', 'failed']);
        expect(units[0]!.record.error?.message).toMatch(/schema: strict .* type of v/);
      }
    });
  }
});

describe('writeOutputs: partitioned layout', () => {
  async function unit(accountId: string, ids: bigint[]): Promise<UnitValue> {
    const batch = batchOf({ account_id: utf8Col(ids.map(() => accountId)), id: int64Col(ids) });
    const data = await spillBatches(join(dir, `spill-${accountId}-${ids[0]}.arrows`), batch.schema, [batch]);
    return {
      record: {
        accountId,
        query: 'inv',
        state: 'succeeded',
        attempts: 1,
        queryExecutionIds: [],
        rows: ids.length,
      },
      data,
    };
  }
  const config = (root: string) =>
    ({
      queries: [{ name: 'inv', schema: 'union', provenance: [{ field: 'account_id', name: 'account_id' }] }],
      sinks: [
        { type: 'parquet', path: root, compression: 'zstd', ifExists: 'overwrite', layout: 'partitioned' },
      ],
      region: 'eu-west-1',
    }) as unknown as PipelineConfig;

  it('writes query=/account_id=/part-0000.parquet readable as one table, then _SUCCESS; stale accounts go', async () => {
    const root = join(dir, 'lake');
    const units = [await unit('111111111111', [1n, BIG]), await unit('222222222222', [3n])];
    const { outputs } = await writeOutputs(config(root), 'r', units, pino({ level: 'silent' }));
    expect(outputs).toEqual([
      expect.objectContaining({ query: 'inv', type: 'parquet', path: join(root, 'query=inv'), rows: 3 }),
    ]);
    expect(await listDir(join(root, 'query=inv'))).toEqual([
      '_SUCCESS',
      'account_id=111111111111',
      'account_id=222222222222',
    ]);
    expect(await listDir(join(root, 'query=inv', 'account_id=111111111111'))).toEqual(['part-0000.parquet']);
    const rows = await query(
      duck.conn,
      `SELECT query, account_id::VARCHAR AS account_id, id::VARCHAR AS id FROM read_parquet('${root}/*/*/*.parquet', hive_partitioning = true, hive_types_autocast = false) ORDER BY id`,
    );
    expect(rows).toEqual([
      { query: 'inv', account_id: '111111111111', id: '1' },
      { query: 'inv', account_id: '222222222222', id: '3' },
      { query: 'inv', account_id: '111111111111', id: String(BIG) },
    ]);
    // The files themselves leave the partition column to the path.
    const cols = await query(
      duck.conn,
      `SELECT name FROM parquet_schema('${root}/query=inv/account_id=222222222222/part-0000.parquet')`,
    );
    expect(cols.map((c) => c.name)).not.toContain('account_id');

    await writeOutputs(config(root), 'r2', [await unit('222222222222', [4n])], pino({ level: 'silent' }));
    expect(await listDir(join(root, 'query=inv'))).toEqual(['_SUCCESS', 'account_id=222222222222']);
  });
});
