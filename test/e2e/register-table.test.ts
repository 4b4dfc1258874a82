import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetPartitionsCommand, GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { Manifest } from '../../src/manifest.js';
import { emulatorEnv, repoRoot, runCli } from '../helpers/cli.js';
import { duckRows } from '../helpers/duckdb.js';
import { DENIED, EXTERNAL_ID, MANAGEMENT, MEMBERS, expectedAccounts } from '../helpers/org-scenario.js';
import { type OrgDir, orgDir, readManifest } from '../helpers/org-run.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';

const BUCKET = 'fanout-lake';
const PREFIX = 'lake/query=inventory/';
const COLUMNS = 'id, name, cost, seen, day, ratio, active, note';

/** The org config with one query (`sql`) into a partitioned S3 dataset registered as fanout.inventory. */
const config = (sql: string) =>
  pipelineYaml()
    // Every account answers, so a refused registration is what makes a run partial.
    .replace(/exclude: \[(.*)\]/, `exclude: [$1, "${DENIED}"]`)
    .replace('sql: SELECT * FROM inventory', `sql: ${sql}`)
    .replace(
      /sinks:\n(?: {2}- .*\n)+/,
      `sinks:
  - type: parquet
    path: s3://${BUCKET}/lake/
    layout: partitioned
    register: { database: fanout, table: inventory }
`,
    );

describe('run with register: a partitioned S3 dataset Athena can query', () => {
  let org: OrgDir;
  let glue: GlueClient;
  let athena: AthenaClient;

  /** One `run` of the built CLI with `sql`, and its manifest. */
  const run = async (sql: string) => {
    await writeFile(join(org.dir, 'pipeline.config.yaml'), config(sql));
    const result = await runCli(['run'], {
      cwd: org.dir,
      env: emulatorEnv(org.emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID }),
    });
    const manifest = await readManifest(org.dir);
    await expectDocumented(manifest);
    return { result, manifest };
  };
  /** The manifest's shape is public: docs/manifest.schema.json documents `registered`. */
  const expectDocumented = async (m: Manifest) => {
    const schema = z.fromJSONSchema(
      JSON.parse(
        await readFile(`${repoRoot}docs/manifest.schema.json`, 'utf8'),
      ) as z.core.JSONSchema.JSONSchema,
    );
    expect(schema.safeParse(m).error?.issues).toBeUndefined();
  };
  const registration = (m: Manifest) => m.outputs.find((o) => o.path.startsWith('s3://'))?.registered;

  /** A query through the Athena API in the bucket owner's account: column names and rows as strings. */
  const athenaQuery = async (sql: string) => {
    const { QueryExecutionId: id } = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: 'primary',
        ResultConfiguration: { OutputLocation: `s3://athena-results-${MANAGEMENT}/register-test/` },
      }),
    );
    for (;;) {
      const ex = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = ex.QueryExecution?.Status?.State;
      if (state === 'SUCCEEDED') break;
      if (state === 'FAILED' || state === 'CANCELLED')
        throw new Error(`${sql}: ${ex.QueryExecution?.Status?.StateChangeReason}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const rows: (string | null)[][] = [];
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token }));
      if (token === undefined)
        names.push(...(page.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => c.Name!) ?? []));
      const data = page.ResultSet?.Rows?.map((r) => r.Data?.map((d) => d.VarCharValue ?? null) ?? []) ?? [];
      rows.push(...(token === undefined ? data.slice(1) : data));
      token = page.NextToken;
    } while (token);
    return { names, rows };
  };

  /** One account's Parquet parts read straight from the emulator's S3, each value as Athena prints it. */
  const partRows = async (accountId: string, columns: string[]) => {
    const dir = await mkdtemp(join(tmpdir(), 'fanout-register-'));
    try {
      const keys = org.emulator.s3
        .keys(BUCKET)
        .filter((k) => k.startsWith(`${PREFIX}account_id=${accountId}/`));
      expect(keys.length).toBeGreaterThan(0);
      const files: string[] = [];
      for (const [i, key] of keys.entries()) {
        await mkdir(join(dir, `account_id=${accountId}`), { recursive: true });
        files.push(join(dir, `account_id=${accountId}`, `${i}.parquet`));
        await writeFile(files.at(-1)!, org.emulator.s3.get(BUCKET, key)!);
      }
      const expr = (c: string) =>
        c === 'seen'
          ? `strftime(seen, '%Y-%m-%d %H:%M:%S.%g') AS seen`
          : c === 'ratio'
            ? 'ratio'
            : `CAST("${c}" AS VARCHAR) AS "${c}"`;
      const list = files.map((f) => `'${f}'`).join(', ');
      return await duckRows(
        `SELECT ${columns.map(expr).join(', ')} FROM read_parquet([${list}], hive_partitioning = true, hive_types = {'account_id': VARCHAR})`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  /** Rows compared as sets of JSON: doubles as numbers (Athena prints them as Java does). */
  const normal = (names: string[], rows: unknown[][]) =>
    rows
      .map((r) => JSON.stringify(names.map((n, i) => (n === 'ratio' && r[i] !== null ? Number(r[i]) : r[i]))))
      .sort();

  const expectSameRows = async (accountId: string, sql: string) => {
    const got = await athenaQuery(sql);
    const direct = await partRows(accountId, got.names);
    expect(got.rows.length).toBeGreaterThan(0);
    expect(normal(got.names, got.rows)).toEqual(
      normal(
        got.names,
        direct.map((o) => got.names.map((n) => o[n] ?? null)),
      ),
    );
    return got;
  };

  beforeAll(async () => {
    org = await orgDir(config(`SELECT ${COLUMNS} FROM inventory`), { prefix: 'fanout-register-' });
    const client = {
      endpoint: org.emulator.endpoint,
      region: 'eu-west-1',
      credentials: org.emulator.baseCredentials,
    };
    glue = new GlueClient(client);
    athena = new AthenaClient(client);
  });
  afterAll(async () => {
    glue.destroy();
    athena.destroy();
    await org.cleanup();
  });

  it('creates the table and its partitions; Athena returns exactly the rows of the outputs', async () => {
    const { result, manifest } = await run(`SELECT ${COLUMNS} FROM inventory`);
    expect(result.code, result.stderr).toBe(0);
    expect(manifest.status).toBe('succeeded');
    expect(registration(manifest)).toEqual({
      database: 'fanout',
      table: 'inventory',
      state: 'created',
      partitionsAdded: expectedAccounts().length,
    });
    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: 'fanout', Name: 'inventory' }));
    expect(Table?.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe(
      'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    );
    expect(Table?.StorageDescriptor?.Location).toBe(`s3://${BUCKET}/${PREFIX}`);
    expect(Table?.PartitionKeys).toEqual([{ Name: 'account_id', Type: 'string' }]);
    const types = Object.fromEntries(
      Table!.StorageDescriptor!.Columns!.map((c): [string, string] => [c.Name!, c.Type!]),
    );
    expect(types).toMatchObject({
      id: 'bigint',
      name: 'string',
      cost: 'decimal(38,9)',
      seen: 'timestamp',
      day: 'date',
      ratio: 'double',
      active: 'boolean',
    });
    const parts = await glue.send(
      new GetPartitionsCommand({ DatabaseName: 'fanout', TableName: 'inventory' }),
    );
    expect(parts.Partitions?.map((p) => p.Values![0]).sort()).toEqual(expectedAccounts().sort());

    const member = MEMBERS[2]!;
    const got = await expectSameRows(member, `SELECT * FROM fanout.inventory WHERE account_id = '${member}'`);
    expect(got.names).toEqual([...COLUMNS.split(', '), 'account_id']);
    expect(new Set(got.rows.map((r) => r.at(-1)))).toEqual(new Set([member]));
  });

  it('a second run with a new column adds it to the table', async () => {
    const { result, manifest } = await run(`SELECT ${COLUMNS}, 42 AS extra FROM inventory`);
    expect(result.code, result.stderr).toBe(0);
    expect(registration(manifest)).toEqual({
      database: 'fanout',
      table: 'inventory',
      state: 'updated',
      columnsAdded: ['extra'],
      partitionsAdded: 0,
    });
    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: 'fanout', Name: 'inventory' }));
    expect(Table?.StorageDescriptor?.Columns?.at(-1)).toEqual({ Name: 'extra', Type: 'int' });
    const got = await expectSameRows(
      MANAGEMENT,
      `SELECT * FROM fanout.inventory WHERE account_id = '${MANAGEMENT}'`,
    );
    expect(new Set(got.rows.map((r) => r[got.names.indexOf('extra')]))).toEqual(new Set(['42']));
  });

  it('an incompatible type change fails naming the column, leaves the table as it was, keeps the outputs', async () => {
    const before = (await glue.send(new GetTableCommand({ DatabaseName: 'fanout', Name: 'inventory' })))
      .Table;
    const { result, manifest } = await run(
      `SELECT CAST(id AS VARCHAR) AS id, name, cost, seen, day, ratio, active, note FROM inventory`,
    );
    expect(manifest.status).toBe('partial');
    expect(result.code).not.toBe(0);
    const reg = registration(manifest);
    expect(reg?.state).toBe('failed');
    expect(reg?.error).toContain('id (bigint in the table, string in this run)');
    expect(result.stdout + result.stderr).toContain('fanout.inventory NOT registered');
    const output = manifest.outputs.find((o) => o.path.startsWith('s3://'))!;
    expect(output.state).toBe('written');
    expect(org.emulator.s3.get(BUCKET, `${PREFIX}_SUCCESS`)).toBeDefined();
    const after = (await glue.send(new GetTableCommand({ DatabaseName: 'fanout', Name: 'inventory' }))).Table;
    expect(after?.VersionId).toBe(before?.VersionId);
    expect(after?.StorageDescriptor?.Columns).toEqual(before?.StorageDescriptor?.Columns);
  });
});
