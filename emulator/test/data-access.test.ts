import { AthenaClient, GetQueryResultsCommand, type QueryExecution } from '@aws-sdk/client-athena';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, startEmulator, type RunningEmulator } from '../index.js';
import { catalogScenario, KEY_222, roleCredentials, runQuery } from './catalog-fixture.js';

/** Whether this emulator evaluates roles' IAM `policies` (a scenario without the evaluator drops them). */
const iamPolicies = (await loadScenario(catalogScenario())).roles.some(
  (r) => (r as { policies?: unknown }).policies !== undefined,
);

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ scenario: catalogScenario() });
});
afterAll(async () => {
  await emu.close();
});

const athena = (role: string, accountId = '222222222222') =>
  new AthenaClient({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: roleCredentials(emu.endpoint, accountId, role),
  });

/** Athena's failure shape for a refused read: a USER error, not retryable. */
function expectRefused(qe: QueryExecution, reason: string | RegExp, errorType = 1006): void {
  expect(qe.Status!.State).toBe('FAILED');
  const error = qe.Status!.AthenaError!;
  expect({ ...error, ErrorMessage: undefined }).toEqual({
    ErrorCategory: 2,
    ErrorType: errorType,
    Retryable: false,
    ErrorMessage: undefined,
  });
  expect(error.ErrorMessage).toBe(qe.Status!.StateChangeReason);
  if (typeof reason === 'string') expect(qe.Status!.StateChangeReason).toBe(reason);
  else expect(qe.Status!.StateChangeReason).toMatch(reason);
}

describe('Athena reads catalog tables under the caller identity', () => {
  it('lets a caller with every permission read plain, partitioned, encrypted and granted tables', async () => {
    const client = athena('AthenaReader');
    for (const sql of [
      'SELECT count(*) FROM inventory',
      'SELECT * FROM hard',
      'SELECT * FROM events',
      'SELECT * FROM governed',
    ]) {
      expect((await runQuery(client, sql)).Status!.State, sql).toBe('SUCCEEDED');
    }
  });

  it('fails a read without S3 permission with "Permission denied on S3 path", however the table is named', async () => {
    const client = athena('NoS3');
    const denied = 'Permission denied on S3 path: s3://lake-222222222222/inventory';
    expectRefused(await runQuery(client, 'SELECT * FROM inventory'), denied);
    expectRefused(await runQuery(client, 'SELECT * FROM awsdatacatalog.inventory.inventory'), denied);
    expectRefused(
      await runQuery(client, 'SELECT * FROM Inventory.INVENTORY', { database: 'default' }),
      denied,
    );
    expectRefused(
      await runQuery(client, 'WITH q AS (SELECT id FROM inventory.inventory) SELECT count(*) FROM q'),
      denied,
    );
    expectRefused(await runQuery(client, 'SELECT 1 WHERE 1 IN (SELECT 1 FROM inventory LIMIT 1)'), denied);
  });

  it('checks only tables the statement reads: names in strings, CTE names and uncatalogued tables pass', async () => {
    const client = athena('NoS3');
    for (const sql of [
      "SELECT 'FROM inventory.inventory' AS s",
      'WITH inventory AS (SELECT 1 AS x) SELECT * FROM inventory',
      'SELECT * FROM scratch',
      'SELECT 1',
    ]) {
      expect((await runQuery(client, sql)).Status!.State, sql).toBe('SUCCEEDED');
    }
  });

  it('fails reading KMS-encrypted data without kms:Decrypt, and only that table', async () => {
    const client = athena('NoKms');
    expect((await runQuery(client, 'SELECT * FROM inventory')).Status!.State).toBe('SUCCEEDED');
    const qe = await runQuery(client, 'SELECT * FROM hard');
    expectRefused(
      qe,
      new RegExp(
        `^HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3://lake-222222222222/hard/part-00000-emulator\\.parquet \\(offset=0, length=\\d+\\): User: arn:aws:sts::222222222222:assumed-role/NoKms/fanout is not authorized to perform: kms:Decrypt on resource: ${KEY_222} because no identity-based policy allows the kms:Decrypt action \\(Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Proxy: null\\)$`,
      ),
    );
  });

  it('fails without glue:GetTable in the words Athena uses', async () => {
    const qe = await runQuery(athena('NoGlue'), 'SELECT * FROM inventory');
    expectRefused(
      qe,
      /^Insufficient permissions to execute the query\. User: arn:aws:sts::222222222222:assumed-role\/NoGlue\/fanout is not authorized to perform: glue:GetTable .*\(Service: AWSGlue; Status Code: 400; Error Code: AccessDeniedException; Proxy: null\)$/,
    );
  });

  it('asks Lake Formation, not S3, for a governed table: a grant and lakeformation:GetDataAccess', async () => {
    // NoS3 may not read S3 at all, yet Lake Formation vends the data to granted principals only.
    expectRefused(
      await runQuery(athena('NoS3'), 'SELECT * FROM governed'),
      'Insufficient Lake Formation permission(s) on inventory.governed',
      234,
    );
    expectRefused(
      await runQuery(athena('NoLf'), 'SELECT * FROM governed'),
      /^Insufficient permissions to execute the query\. .*lakeformation:GetDataAccess/,
      234,
    );
  });

  // `permissions:` cannot tell buckets apart: this needs roles' IAM `policies` (the IAM evaluator).
  it.skipIf(!iamPolicies)(
    'a partition in a bucket the role may not read fails with that partition path',
    async () => {
      const client = athena('NoArchive');
      expect((await runQuery(client, 'SELECT * FROM inventory')).Status!.State).toBe('SUCCEEDED');
      expectRefused(
        await runQuery(client, 'SELECT * FROM events'),
        'Permission denied on S3 path: s3://archive-222222222222/events/day=1',
      );
    },
  );
});

describe('EXPLAIN', () => {
  it('answers the plan without reading data: SUCCEEDED, 0 bytes scanned, one "Query Plan" row per line', async () => {
    const client = athena('NoS3');
    const qe = await runQuery(client, 'EXPLAIN SELECT owner, id FROM inventory WHERE id > 1');
    expect(qe.Status!.State).toBe('SUCCEEDED');
    expect(qe.Statistics!.DataScannedInBytes).toBe(0);
    expect(qe.SubstatementType).toBe('EXPLAIN');
    const { ResultSet } = await client.send(
      new GetQueryResultsCommand({ QueryExecutionId: qe.QueryExecutionId }),
    );
    expect(ResultSet!.Rows![0]!.Data).toEqual([{ VarCharValue: 'Query Plan' }]);
    const plan = ResultSet!
      .Rows!.slice(1)
      .map((r) => r.Data![0]!.VarCharValue)
      .join('\n');
    expect(plan).toContain('inventory');
  });

  it('still applies the Glue and Lake Formation checks', async () => {
    expectRefused(
      await runQuery(athena('NoS3'), 'EXPLAIN SELECT * FROM governed'),
      'Insufficient Lake Formation permission(s) on inventory.governed',
      234,
    );
    expectRefused(
      await runQuery(athena('NoGlue'), 'EXPLAIN SELECT * FROM inventory'),
      /^Insufficient permissions to execute the query\./,
    );
  });

  it("fails a missing column or table with Athena's COLUMN_NOT_FOUND / TABLE_NOT_FOUND", async () => {
    const client = athena('AthenaReader');
    expectRefused(
      await runQuery(client, 'EXPLAIN SELECT nope FROM inventory'),
      "COLUMN_NOT_FOUND: line 1:16: Column 'nope' cannot be resolved or requester is not authorized to access requested resources",
    );
    expectRefused(
      await runQuery(client, 'EXPLAIN SELECT * FROM inventory.missing'),
      "TABLE_NOT_FOUND: line 1:23: Table 'awsdatacatalog.inventory.missing' does not exist",
    );
    expectRefused(
      await runQuery(client, 'SELECT * FROM missing'),
      "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.inventory.missing' does not exist",
    );
  });

  it('EXPLAIN ANALYZE runs the statement: data checks apply and bytes are scanned', async () => {
    expectRefused(
      await runQuery(athena('NoS3'), 'EXPLAIN ANALYZE SELECT * FROM inventory'),
      'Permission denied on S3 path: s3://lake-222222222222/inventory',
    );
    const qe = await runQuery(athena('AthenaReader'), 'EXPLAIN ANALYZE SELECT * FROM inventory');
    expect(qe.Status!.State).toBe('SUCCEEDED');
    expect(qe.SubstatementType).toBe('EXPLAIN_ANALYZE');
    expect(qe.Statistics!.DataScannedInBytes).toBeGreaterThan(0);
  });
});
