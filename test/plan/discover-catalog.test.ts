import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '@athena-fanout/emulator';
import { parseConfig, type PipelineConfig } from '../../src/config/index.js';
import { buildCredentials } from '../../src/cli/build-credentials.js';
import { discoverCatalog, iamPolicies, resolveAccounts, type CatalogFacts } from '../../src/plan/index.js';
import { catalogOrgScenario } from '../helpers/catalog-org.js';
import { BASE, EXT } from '../helpers/small-org.js';

let emu: RunningEmulator;
const saved = process.env.AWS_ENDPOINT_URL;

beforeAll(async () => {
  const scenario = catalogOrgScenario();
  // A workgroup that puts results where it says, whatever the query asks.
  scenario.workgroups = {
    all: [
      ...(scenario.workgroups?.all ?? []),
      { name: 'central', outputLocation: 's3://central-results-{accountId}/wg/', enforce: true },
    ],
  };
  emu = await startEmulator({ scenario });
  process.env.AWS_ENDPOINT_URL = emu.endpoint;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
  else process.env.AWS_ENDPOINT_URL = saved;
  await emu.close();
});

function load(ids: string[], workgroup = 'analytics'): PipelineConfig {
  const result = parseConfig(
    parse(`version: 1
region: us-east-1
auth:
  credentials: { accessKeyId: '\${KEY}', secretAccessKey: '\${SECRET}' }
  externalId: ${EXT}
  masterRoleChain: [arn:aws:iam::111111111111:role/OrgHub]
  accountRoleChain: ['arn:aws:iam::<accountId>:role/AthenaReader']
  accountChainFrom: master
accounts: { source: list, ids: ${JSON.stringify(ids)} }
athena: { workgroup: ${workgroup}, database: inventory, outputLocation: 's3://results-<accountId>/athena/' }
queries:
  - { name: inv, sql: SELECT * FROM inventory }
  - { name: ev, sql: 'SELECT * FROM events e JOIN governed g ON true', accounts: ['222222222222'] }
  - { name: fed, sql: SELECT * FROM dynamo.default.orders, accounts: ['222222222222'] }
sinks: [{ type: parquet, path: '{query}.parquet' }]
`),
    { env: { KEY: BASE.accessKeyId, SECRET: BASE.secretAccessKey }, baseDir: '/base' },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

async function discover(config: PipelineConfig, accounts?: number): Promise<CatalogFacts> {
  const { base, resolver } = buildCredentials(config, { runId: 'test' });
  const resolved = await resolveAccounts(config, resolver, base);
  return discoverCatalog(config, resolved, accounts === undefined ? {} : { accounts });
}

describe('iam-policy --discover against the emulated Glue, S3 and Athena', () => {
  it('reads every table location (partitions outside it too), Lake Formation tables, bucket and workgroup keys, connectors; generalised over accounts', async () => {
    const facts = await discover(load(['222222222222', '333333333333']));
    expect(facts).toEqual({
      accountsRead: 2,
      accountsSelected: 2,
      dataLocations: [
        's3://archive-<accountId>/events/day=1/',
        's3://lake-<accountId>/events',
        's3://lake-<accountId>/inventory/',
      ],
      dataKmsKeys: ['arn:aws:kms:us-east-1:<accountId>:key/lake'],
      resultsKmsKeys: ['arn:aws:kms:us-east-1:<accountId>:key/results'],
      resultsLocations: [],
      lakeFormationTables: [{ region: 'us-east-1', database: 'inventory', table: 'governed' }],
      catalogs: [
        {
          name: 'dynamo',
          region: 'us-east-1',
          type: 'LAMBDA',
          functions: ['arn:aws:lambda:us-east-1:<accountId>:function:ddb'],
        },
      ],
      notes: [],
      failures: [],
    });
    const role = iamPolicies(load(['222222222222']), { discovered: facts }).roles.at(-1)!;
    const p = role.permissionPolicy;
    const s3 = p.Statement.filter((s) => s.Sid.startsWith('TableData'));
    expect(s3.map((s) => [s.Sid, s.Action, s.Resource, s.Condition])).toEqual([
      ['TableDataKmsKeys', ['kms:Decrypt'], ['arn:aws:kms:us-east-1:<accountId>:key/lake'], undefined],
      [
        'TableDataBucket1',
        ['s3:ListBucket'],
        ['arn:aws:s3:::archive-<accountId>'],
        { StringLike: { 's3:prefix': ['events/day=1/*'] } },
      ],
      ['TableDataObjects1', ['s3:GetObject'], ['arn:aws:s3:::archive-<accountId>/events/day=1/*'], undefined],
      [
        'TableDataBucket2',
        ['s3:ListBucket'],
        ['arn:aws:s3:::lake-<accountId>'],
        { StringLike: { 's3:prefix': ['events/*', 'inventory/*'] } },
      ],
      [
        'TableDataObjects2',
        ['s3:GetObject'],
        ['arn:aws:s3:::lake-<accountId>/events/*', 'arn:aws:s3:::lake-<accountId>/inventory/*'],
        undefined,
      ],
    ]);
    expect(p.Statement.find((s) => s.Sid === 'FederatedCatalogConnectors')?.Resource).toEqual([
      'arn:aws:lambda:us-east-1:<accountId>:function:ddb',
    ]);
    expect(p.Statement.find((s) => s.Sid === 'ResultsKmsKey')?.Resource).toEqual([
      'arn:aws:kms:us-east-1:<accountId>:key/results',
    ]);
    expect(role.lakeFormationGrants).toHaveLength(1);
    expect(role.lakeFormationGrants[0]).toMatch(
      /^grant arn:aws:iam::<accountId>:role\/AthenaReader SELECT and DESCRIBE on table inventory\.governed/,
    );
  });

  it('--discover-accounts reads a sample, and says so; an account whose chain is refused is a failure, in AWS words', async () => {
    const sample = await discover(load(['222222222222', '333333333333']), 1);
    expect([sample.accountsRead, sample.accountsSelected]).toEqual([1, 2]);
    const locked = await discover(load(['333333333333', '555555555555']));
    expect(locked.dataLocations).toEqual(['s3://lake-<accountId>/inventory/']);
    expect(locked.failures.length).toBeGreaterThan(0);
    for (const f of locked.failures) expect(f).toMatch(/^account 555555555555.*AccessDenied/);
  });

  it('a workgroup that enforces its own output location: results granted there too', async () => {
    const config = load(['333333333333'], 'central');
    const facts = await discover(config);
    expect(facts.resultsLocations).toEqual(['s3://central-results-<accountId>/wg/']);
    const p = iamPolicies(config, { discovered: facts }).roles.at(-1)!.permissionPolicy;
    const results = p.Statement.filter((s) => s.Sid.startsWith('AthenaResultsObjects')).flatMap(
      (s) => s.Resource,
    );
    expect(results).toEqual([
      'arn:aws:s3:::central-results-<accountId>/wg/*',
      'arn:aws:s3:::results-<accountId>/athena/*',
    ]);
  });
});
