import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AthenaClient } from '@aws-sdk/client-athena';
import type { S3Client } from '@aws-sdk/client-s3';
import { type DataType, type RecordBatch, Table, Type } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import { FanoutError } from '../../../src/errors.js';
import {
  executeQuery,
  type ExecutedQuery,
  type FetchMode,
  openQueryResults,
  unloadStatement,
} from '../../../src/extract/index.js';
import { smallScenario } from '../../helpers/small-org.js';
import { duckRows } from '../../helpers/duckdb.js';
import { startWithClients } from '../../helpers/emulator-clients.js';

const ACCOUNT = '111111111111';
const BUCKET = `athena-results-${ACCOUNT}`;
let emu: RunningEmulator;
let athena: AthenaClient;
let s3: S3Client;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ emu, athena, s3, close } = await startWithClients(
    smallScenario({
      queryLatencyMs: 10,
      unloadPartRows: 1000,
      primaryOutputLocation: 's3://athena-results-{accountId}/primary/',
    }),
  ));
});

afterAll(() => close?.());

const poll = { initialDelayMs: 10, maxDelayMs: 50, factor: 2 };

// Athena's timestamp(3): the emulator's API and UNLOAD both keep milliseconds.
const SAME = `SELECT
    i::BIGINT + 9007199254740993 AS big,
    (i % 100)::TINYINT AS tiny,
    (i % 30000)::SMALLINT AS small,
    i::INTEGER AS int,
    CAST(i AS DECIMAL(18,4)) / 7 AS amount,
    CAST(i AS DECIMAL(18,4)) AS dec4,
    CAST('-12345678901234567890123456789.123456789' AS DECIMAL(38,9)) AS wide,
    TIMESTAMP '1969-12-31 23:59:59.999' + to_seconds(i) AS ts,
    DATE '1900-03-01' + i::INTEGER AS day,
    CASE i % 4 WHEN 0 THEN '' WHEN 1 THEN NULL WHEN 2 THEN 'a "quoted", comma' ELSE 'line1' || chr(10) || 'línea2 €😀' || chr(13) END AS txt,
    CASE WHEN i % 3 = 0 THEN NULL ELSE i * 1.5e20 END AS dbl,
    (i / 3)::FLOAT AS re,
    CASE WHEN i % 7 = 0 THEN NULL ELSE i % 2 = 0 END AS flag,
    CASE WHEN i % 5 = 0 THEN NULL ELSE encode('hé' || i::VARCHAR) END AS bin`;
const NESTED = `[i, i + 1] AS arr, MAP {'k': i} AS m, {'f': i, 'g': 'x'} AS r`;
const AWKWARD = `${SAME},\n    ${NESTED}\n  FROM range(3000) t(i) ORDER BY i`;

let unloads = 0;

async function run(sql: string): Promise<ExecutedQuery> {
  return executeQuery(athena, { queryName: 'paths', sql, workgroup: 'primary' }, { poll });
}

/** The query wrapped in UNLOAD into a fresh prefix; returns the execution and the prefix. */
async function runUnload(sql: string): Promise<{ executed: ExecutedQuery; prefix: string }> {
  const prefix = `s3://${BUCKET}/unload/${++unloads}/`;
  return { executed: await run(unloadStatement(sql, prefix, 'paths')), prefix };
}

async function read(
  executed: ExecutedQuery,
  fetch: FetchMode,
  unload: { prefix?: string; keep?: boolean; tempDir?: string } = {},
) {
  const stream = await openQueryResults(athena, executed, {
    fetch,
    s3,
    extraColumns: [{ name: 'account_id', value: ACCOUNT }],
    context: { accountId: ACCOUNT, queryName: 'paths' },
    batchRows: 700,
    unload,
  });
  const batches: RecordBatch[] = [];
  for await (const b of stream.batches) batches.push(b);
  return {
    stream,
    batches,
    // Built on demand: batches of one result may carry finer timestamp units than the stream schema.
    get table() {
      return new Table(stream.schema, batches);
    },
  };
}

function rows(table: Table, except: string[] = []): unknown[] {
  return table.toArray().map((r: { toJSON(): Record<string, unknown> }) => {
    return Object.fromEntries(Object.entries(r.toJSON()).filter(([k]) => !except.includes(k)));
  });
}

const keysUnder = (prefix: string): string[] =>
  emu.s3.keys(BUCKET).filter((k) => `s3://${BUCKET}/${k}`.startsWith(prefix));

describe('fetch: unload against the emulator', () => {
  it('gives the schema and values of the api and s3 paths; arrays, maps and rows come back native', async () => {
    const executed = await run(AWKWARD);
    const api = await read(executed, 'api');
    const viaS3 = await read(executed, 's3');
    const { executed: unloaded, prefix } = await runUnload(AWKWARD);
    expect(unloaded.dataManifestLocation).toMatch(/-manifest\.csv$/);
    expect(keysUnder(prefix).length).toBeGreaterThan(1); // several parts
    const unload = await read(unloaded, 'unload');
    expect(unload.stream.fetch).toBe('unload');
    expect(unload.table.numRows).toBe(3000);

    const scalar = (t: Table) => t.schema.fields.filter((f) => !['arr', 'm', 'r'].includes(f.name));
    expect(scalar(unload.table).map(String)).toEqual(scalar(api.table).map(String));
    expect(scalar(unload.table).map((f) => [...f.metadata])).toEqual(
      scalar(api.table).map((f) => [...f.metadata]),
    );
    expect(scalar(viaS3.table).map(String)).toEqual(scalar(api.table).map(String));
    expect(rows(unload.table, ['arr', 'm', 'r'])).toEqual(rows(api.table, ['arr', 'm', 'r']));

    const t = unload.table;
    expect(t.getChild('big')!.get(2999)).toBe(9007199254740993n + 2999n);
    expect([0, 1, 2, 3].map((i) => t.getChild('txt')!.get(i) as unknown)).toEqual([
      '',
      null,
      'a "quoted", comma',
      'line1\nlínea2 €😀\r',
    ]);
    const typeOf = (name: string) => (t.schema.fields.find((f) => f.name === name)!.type as DataType).typeId;
    expect([typeOf('arr'), typeOf('m'), typeOf('r')]).toEqual([Type.List, Type.Map, Type.Struct]);
    expect(t.schema.fields.find((f) => f.name === 'arr')!.metadata.get('athena.type')).toBe('array');
    expect([...(t.getChild('arr')!.get(1) as Iterable<bigint>)]).toEqual([1n, 2n]);
    const json = (name: string, i: number) => (t.getChild(name)!.get(i) as { toJSON(): unknown }).toJSON();
    expect(json('m', 5)).toEqual({ k: 5n });
    expect(json('r', 2)).toEqual({ f: 2n, g: 'x' });
    expect(api.table.getChild('arr')!.get(1)).toBe('[1, 2]');

    // Cleanup: the parts, the manifest and the metadata file are gone.
    expect(keysUnder(prefix)).toEqual([]);
    const manifestKey = unloaded.dataManifestLocation!.replace(`s3://${BUCKET}/`, '');
    expect(emu.s3.get(BUCKET, manifestKey)).toBeUndefined();
    expect(emu.s3.get(BUCKET, manifestKey.replace('-manifest.csv', '.metadata'))).toBeUndefined();
  });

  it('keeps the parts when asked', async () => {
    const { executed, prefix } = await runUnload('SELECT i FROM range(10) t(i)');
    const tempDir = await mkdtemp(join(tmpdir(), 'unload-parts-'));
    const kept = await read(executed, 'unload', { keep: true, tempDir });
    expect(await readdir(tempDir)).toEqual([]); // the downloaded part is gone either way
    await rm(tempDir, { recursive: true });
    expect(rows(kept.table)).toEqual(
      Array.from({ length: 10 }, (_, i) => ({ account_id: ACCOUNT, i: BigInt(i) })),
    );
    expect(keysUnder(prefix).length).toBe(1);
    expect(emu.s3.get(BUCKET, executed.dataManifestLocation!.replace(`s3://${BUCKET}/`, ''))).toBeDefined();
  });

  it('an empty result gives the provenance columns only, and leaves nothing behind', async () => {
    const { executed, prefix } = await runUnload('SELECT 1 AS one WHERE false');
    const empty = await read(executed, 'unload');
    expect(empty.table.schema.fields.map((f) => f.name)).toEqual(['account_id']);
    expect(empty.table.numRows).toBe(0);
    expect(keysUnder(prefix)).toEqual([]);
  });

  it('a non-empty target prefix fails the query the way Athena does', async () => {
    const prefix = `s3://${BUCKET}/taken/`;
    emu.s3.put(BUCKET, 'taken/someone-else', Buffer.from('x'));
    const error = await run(unloadStatement('SELECT 1 AS one', prefix, 'paths')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FanoutError);
    expect((error as FanoutError).message).toMatch(
      /^Query paths FAILED \(execution [\w-]+\): HIVE_PATH_ALREADY_EXISTS: Target directory for table '[\w.]+' already exists: s3:\/\/athena-results-111111111111\/taken\./,
    );
  });

  it('keeps the digits Parquet timestamps carry: milliseconds when they fit, microseconds when not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'unload-ts-'));
    try {
      const file = join(dir, 'part.parquet');
      await duckRows(
        `COPY (SELECT * FROM (VALUES (TIMESTAMP '2024-06-24 09:30:51.123'), (NULL), (TIMESTAMP '2024-06-24 09:30:51.123456')) t(ts)) TO '${file}' (FORMAT parquet)`,
      );
      emu.s3.put(BUCKET, 'manual/part', await readFile(file));
      emu.s3.put(BUCKET, 'manual/q-manifest.csv', Buffer.from(`s3://${BUCKET}/manual/part\n`));
      const executed = {
        queryExecutionId: 'q',
        stats: {},
        dataManifestLocation: `s3://${BUCKET}/manual/q-manifest.csv`,
      };
      const { batches } = await read(executed, 'unload');
      const ts = batches.flatMap((b): (bigint | null)[] => {
        const type = b.schema.fields.find((f) => f.name === 'ts')!.type as DataType;
        expect(type.typeId).toBe(Type.Timestamp);
        expect((type as unknown as { unit: number }).unit).toBe(2); // TimeUnit.MICROSECOND
        const column = b.getChild('ts')!;
        const values = column.data[0]!.values as BigInt64Array;
        return Array.from({ length: b.numRows }, (_, i) => (column.isValid(i) ? values[i]! : null));
      });
      expect(ts).toEqual([1719221451123000n, null, 1719221451123456n]);
      // Cleaned up all the same.
      expect(keysUnder(`s3://${BUCKET}/manual/`)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('wraps a single SELECT only, with a clear error naming the query otherwise', () => {
    const prefix = 's3://b/p/';
    expect(unloadStatement("-- lead\nSELECT 'a;b' AS x -- trailing\n;\n", prefix, 'q')).toBe(
      "UNLOAD (\nSELECT 'a;b' AS x -- trailing\n) TO 's3://b/p/' WITH (format = 'PARQUET', compression = 'ZSTD')",
    );
    expect(unloadStatement('WITH t AS (SELECT 1 AS a) SELECT a FROM t', prefix, 'q')).toMatch(
      /^UNLOAD \(\nWITH t/,
    );
    expect(() => unloadStatement('SHOW TABLES', prefix, 'inventory')).toThrow(
      'Query inventory: fetch: unload needs a single SELECT query to wrap in UNLOAD; it starts with "SHOW"',
    );
    expect(() => unloadStatement('SELECT 1; DROP TABLE x', prefix, 'q')).toThrow(/more than one statement/);
    expect(() => unloadStatement('INSERT INTO t SELECT 1', prefix, 'q')).toThrow(/starts with "INSERT"/);
  });
});
