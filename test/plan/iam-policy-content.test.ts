import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig, type PipelineConfig } from '../../src/config/index.js';
import {
  checkPolicies,
  iamPolicies,
  policyProblems,
  policySize,
  POLICY_LIMITS,
  type CatalogFacts,
  type PolicyDocument,
  type PolicyStatement,
} from '../../src/plan/index.js';

const ROLE = 'arn:aws:iam::<accountId>:role/AthenaReader';

function load(athena: string, queries: string, extra = ''): PipelineConfig {
  const yaml = `version: 1
region: eu-west-1
auth: { accountRoleChain: ['${ROLE}'] }
accounts: { source: list, ids: ['222222222222'] }
athena: ${athena}
queries:
${queries}
sinks: [{ type: parquet, path: '{query}.parquet' }]
${extra}`;
  const result = parseConfig(parse(yaml), { env: {}, baseDir: '/base' });
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
  return result.config;
}

const accountRole = (config: PipelineConfig, discovered?: CatalogFacts) =>
  iamPolicies(config, discovered ? { discovered } : {}).roles.at(-1)!;
const sids = (d: PolicyDocument) => d.Statement.map((s) => s.Sid);
const statement = (d: PolicyDocument, sid: string): PolicyStatement => {
  const s = d.Statement.find((x) => x.Sid === sid);
  if (!s) throw new Error(`no statement ${sid} in ${JSON.stringify(d, null, 1)}`);
  return s;
};

const FACTS: CatalogFacts = {
  accountsRead: 2,
  accountsSelected: 2,
  dataLocations: ['s3://lake-<accountId>/sales', 's3://shared-lake/ref/countries/'],
  dataKmsKeys: ['arn:aws:kms:eu-west-1:<accountId>:key/data-key'],
  resultsKmsKeys: ['arn:aws:kms:eu-west-1:<accountId>:key/results-key'],
  resultsLocations: [],
  lakeFormationTables: [],
  catalogs: [],
  notes: [],
  failures: [],
};

describe('iam-policy: what each config shape needs', () => {
  it('fetch: api reads results through Athena only; fetch: unload adds the unload prefix and its cleanup', () => {
    const api = accountRole(
      load(
        `{ outputLocation: 's3://results-<accountId>/q/', fetch: api }`,
        `  - { name: a, sql: SELECT * FROM t }`,
      ),
    ).permissionPolicy;
    expect(statement(api, 'AthenaResultsObjects1').Resource).toEqual([
      'arn:aws:s3:::results-<accountId>/q/*',
    ]);
    expect(sids(api)).not.toContain('UnloadCleanup');
    const unload = accountRole(
      load(
        `{ outputLocation: 's3://results-<accountId>/q/', fetch: unload, unload: { location: 's3://unload-<accountId>/' } }`,
        `  - { name: a, sql: SELECT * FROM t }`,
      ),
    ).permissionPolicy;
    expect(statement(unload, 'AthenaResultsObjects2').Resource).toEqual([
      'arn:aws:s3:::unload-<accountId>/athena-fanout-unload/*',
    ]);
    expect(statement(unload, 'UnloadCleanup').Resource).toContain(
      'arn:aws:s3:::unload-<accountId>/athena-fanout-unload/*',
    );
    expect(statement(unload, 'S3BucketLocation').Resource).toContain('arn:aws:s3:::unload-<accountId>');
  });

  it('GetBucketLocation never shares a statement with an s3:prefix condition; the old shape is refused by the checker', async () => {
    const role = accountRole(
      load(
        `{ outputLocation: 's3://results-<accountId>/q/' }`,
        `  - { name: a, sql: SELECT * FROM t }`,
        'iam: { dataLocations: [s3://lake/sales/] }',
      ),
    );
    for (const s of role.permissionPolicy.Statement) {
      if (s.Condition) expect(s.Action).toEqual(['s3:ListBucket']);
    }
    expect(statement(role.permissionPolicy, 'S3BucketLocation').Condition).toBeUndefined();
    expect(await policyProblems('role', role.permissionPolicy)).toEqual([]);
    const old: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Old',
          Effect: 'Allow',
          Action: ['s3:GetBucketLocation', 's3:ListBucket'],
          Resource: ['arn:aws:s3:::results'],
          Condition: { StringLike: { 's3:prefix': ['q/*'] } },
        },
      ],
    };
    expect(await policyProblems('role', old)).toEqual([
      'role Old: s3:GetBucketLocation requests carry no s3:prefix, so its condition never lets s3:GetBucketLocation through',
    ]);
  });

  it('refuses an action IAM does not know, and a resource on an action that takes only "*"', async () => {
    const doc: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Typo', Effect: 'Allow', Action: ['s3:GetObjekt', 'glue:GetTable'], Resource: ['*'] },
        { Sid: 'Lf', Effect: 'Allow', Action: ['lakeformation:GetDataAccess'], Resource: ['arn:aws:s3:::x'] },
      ],
    };
    expect(await policyProblems('role', doc)).toEqual([
      'role Typo: s3:GetObjekt is not an IAM action',
      'role Lf: lakeformation:GetDataAccess takes only Resource "*"',
    ]);
  });

  it('Glue reads on exactly the tables, with {{id:vars.*}} filled and a per-account marker as a wildcard with a note', () => {
    const role = accountRole(
      load(
        `{ database: sales, outputLocation: 's3://results-r/' }`,
        [
          `  - { name: a, sql: 'WITH x AS (SELECT * FROM {{id:vars.src}}) SELECT * FROM x JOIN ref.countries c ON true' }`,
          `  - { name: b, sql: 'SELECT * FROM events_{{id:tags.team}} WHERE account = {{accountId}}' }`,
        ].join('\n'),
        'vars: { src: orders }',
      ),
    );
    const glue = statement(role.permissionPolicy, 'GlueCatalogReads');
    expect(glue.Resource).toEqual([
      'arn:aws:glue:eu-west-1:<accountId>:catalog',
      'arn:aws:glue:eu-west-1:<accountId>:database/ref',
      'arn:aws:glue:eu-west-1:<accountId>:database/sales',
      'arn:aws:glue:eu-west-1:<accountId>:table/ref/countries',
      'arn:aws:glue:eu-west-1:<accountId>:table/sales/events_*',
      'arn:aws:glue:eu-west-1:<accountId>:table/sales/orders',
    ]);
    expect(glue.Action).toContain('glue:GetTables');
    expect(role.statementNotes.GlueCatalogReads).toEqual([
      'sales.events_*: a template marker names it per account, so the ARN uses *',
    ]);
  });

  it('a federated catalog: GetDataCatalog and its connector (any function, noted, without discovery; the one GetDataCatalog names with it)', () => {
    const config = load(
      `{ outputLocation: 's3://results-r/' }`,
      `  - { name: a, sql: SELECT * FROM dynamo.default.orders, catalog: dynamo }`,
    );
    const plain = accountRole(config);
    expect(statement(plain.permissionPolicy, 'AthenaDataCatalogs').Resource).toEqual([
      'arn:aws:athena:eu-west-1:<accountId>:datacatalog/dynamo',
    ]);
    expect(statement(plain.permissionPolicy, 'FederatedCatalogConnectors')).toMatchObject({
      Action: ['lambda:InvokeFunction'],
      Resource: ['arn:aws:lambda:eu-west-1:<accountId>:function:*'],
    });
    expect(plain.statementNotes.FederatedCatalogConnectors?.join()).toMatch(/not in the config.*--discover/);
    expect(sids(plain.permissionPolicy)).not.toContain('GlueCatalogReads');
    const found = accountRole(config, {
      ...FACTS,
      catalogs: [
        {
          name: 'dynamo',
          region: 'eu-west-1',
          type: 'LAMBDA',
          functions: ['arn:aws:lambda:eu-west-1:<accountId>:function:ddb-connector'],
        },
      ],
    });
    expect(statement(found.permissionPolicy, 'FederatedCatalogConnectors').Resource).toEqual([
      'arn:aws:lambda:eu-west-1:<accountId>:function:ddb-connector',
    ]);
    expect(found.statementNotes.FederatedCatalogConnectors).toBeUndefined();
  });

  it('KMS keys from iam.kmsKeys: Decrypt for data, Decrypt and GenerateDataKey for results; an alias is refused at load', () => {
    const role = accountRole(
      load(
        `{ outputLocation: 's3://results-r/' }`,
        `  - { name: a, sql: SELECT * FROM t }`,
        `iam:
  kmsKeys:
    data: ['arn:aws:kms:<region>:<accountId>:key/d1']
    results: ['arn:aws:kms:eu-west-1:111111111111:key/r1']`,
      ),
    );
    expect(statement(role.permissionPolicy, 'TableDataKmsKeys')).toMatchObject({
      Action: ['kms:Decrypt'],
      Resource: ['arn:aws:kms:eu-west-1:<accountId>:key/d1'],
    });
    expect(statement(role.permissionPolicy, 'ResultsKmsKey')).toMatchObject({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: ['arn:aws:kms:eu-west-1:111111111111:key/r1'],
    });
    const bad = parseConfig(
      parse(`version: 1
region: eu-west-1
auth: { accountRoleChain: ['${ROLE}'] }
queries: [{ name: a, sql: SELECT 1 }]
sinks: [{ type: parquet, path: a.parquet }]
iam: { kmsKeys: { data: ['alias/lake'] } }
`),
      { env: {}, baseDir: '/base' },
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.issues.map((i) => [i.path, i.message])).toEqual([
        ['iam.kmsKeys.data.0', expect.stringMatching(/expected a KMS key ARN/)],
      ]);
    }
  });

  it('discovered locations: list with a prefix condition, read under the prefix, per bucket; keys from the buckets and workgroups', () => {
    const role = accountRole(
      load(`{ outputLocation: 's3://results-r/' }`, `  - { name: a, sql: SELECT * FROM t }`),
      FACTS,
    );
    const p = role.permissionPolicy;
    expect([statement(p, 'TableDataBucket1'), statement(p, 'TableDataObjects1')]).toEqual([
      {
        Sid: 'TableDataBucket1',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: ['arn:aws:s3:::lake-<accountId>'],
        // a location names a folder: sales/, never sales_archive/
        Condition: { StringLike: { 's3:prefix': ['sales/*'] } },
      },
      {
        Sid: 'TableDataObjects1',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: ['arn:aws:s3:::lake-<accountId>/sales/*'],
      },
    ]);
    expect(statement(p, 'TableDataObjects2').Resource).toEqual(['arn:aws:s3:::shared-lake/ref/countries/*']);
    expect(statement(p, 'S3BucketLocation').Resource).toEqual([
      'arn:aws:s3:::lake-<accountId>',
      'arn:aws:s3:::results-r',
      'arn:aws:s3:::shared-lake',
    ]);
    expect(statement(p, 'TableDataKmsKeys').Resource).toEqual([
      'arn:aws:kms:eu-west-1:<accountId>:key/data-key',
    ]);
    expect(statement(p, 'ResultsKmsKey').Resource).toEqual([
      'arn:aws:kms:eu-west-1:<accountId>:key/results-key',
    ]);
    expect(role.statementNotes.TableDataBucket1).toBeUndefined();
    // a sample of the accounts: said next to the statement
    const sampled = accountRole(
      load(`{ outputLocation: 's3://results-r/' }`, `  - { name: a, sql: SELECT * FROM t }`),
      {
        ...FACTS,
        accountsRead: 1,
        accountsSelected: 40,
      },
    );
    expect(sampled.statementNotes.TableDataBucket1?.join()).toMatch(/1 of 40 accounts/);
  });

  it('Lake Formation-governed tables: GetDataAccess on "*" with a note, and the grants to make, printed as instructions', async () => {
    const policies = iamPolicies(
      load(`{ outputLocation: 's3://results-r/' }`, `  - { name: a, sql: SELECT * FROM t }`),
      {
        discovered: {
          ...FACTS,
          lakeFormationTables: [{ region: 'eu-west-1', database: 'default', table: 't' }],
        },
      },
    );
    const role = policies.roles.at(-1)!;
    expect(statement(role.permissionPolicy, 'LakeFormationDataAccess')).toEqual({
      Sid: 'LakeFormationDataAccess',
      Effect: 'Allow',
      Action: ['lakeformation:GetDataAccess'],
      Resource: ['*'],
    });
    expect(role.statementNotes.LakeFormationDataAccess?.join()).toMatch(/only one IAM accepts/);
    expect(role.lakeFormationGrants).toEqual([
      `grant ${ROLE} SELECT and DESCRIBE on table default.t (eu-west-1): aws lakeformation grant-permissions --region eu-west-1 --principal DataLakePrincipalIdentifier=${ROLE} --permissions SELECT DESCRIBE --resource '{"Table":{"DatabaseName":"default","Name":"t"}}'`,
    ]);
    expect(await checkPolicies(policies)).toEqual([]);
  });

  it('over the inline limit: split into managed policies within 6,144 characters each, with a warning, nothing lost', async () => {
    const tables = Array.from(
      { length: 120 },
      (_, i) => `analytics_database.some_rather_long_table_name_${i}`,
    );
    const queries = tables.map((t, i) => `  - { name: q${i}, sql: 'SELECT * FROM ${t}' }`).join('\n');
    const policies = iamPolicies(
      load(
        `{ outputLocation: 's3://results-<accountId>/athena/' }`,
        queries,
        'regions: [eu-west-1, us-east-1]',
      ),
    );
    const role = policies.roles.at(-1)!;
    expect(policySize(role.permissionPolicy)).toBeGreaterThan(POLICY_LIMITS.inline);
    expect(role.policyKind).toBe('managed');
    expect(role.permissionPolicies.length).toBeGreaterThan(1);
    for (const d of role.permissionPolicies) expect(policySize(d)).toBeLessThanOrEqual(POLICY_LIMITS.managed);
    const granted = (docs: PolicyDocument[]) =>
      docs
        .flatMap((d) =>
          d.Statement.flatMap((s) => s.Action.flatMap((a) => (s.Resource ?? []).map((r) => `${a} ${r}`))),
        )
        .sort();
    expect(granted(role.permissionPolicies)).toEqual(granted([role.permissionPolicy]));
    const split = role.permissionPolicies.flatMap(sids);
    expect(new Set(split).size).toBe(split.length);
    expect(policies.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${ROLE}: the permission policy is \\d+ characters, over the 10240 IAM allows inline per role: split into ${role.permissionPolicies.length} managed policies`,
        ),
      ),
    ]);
    expect(await checkPolicies(policies)).toEqual([]);
  });
});
