import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig, type PipelineConfig } from '../../src/config/index.js';
import { iamPolicies, type PolicyDocument, type PolicyStatement } from '../../src/plan/index.js';

function load(yaml: string): PipelineConfig {
  const result = parseConfig(parse(yaml), { env: {}, baseDir: '/base' });
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
  return result.config;
}

const CONFIG = `version: 1
region: eu-west-1
regions: [eu-west-1, us-east-1]
auth:
  externalId: ext-7
  masterRoleChain:
    - arn:aws:iam::111111111111:role/OrgHub
    - arn: arn:aws:iam::111111111111:role/OrgReader
      externalId: reader-ext
  accountRoleChain:
    - arn:aws:iam::<accountId>:role/AthenaReader
  accountChainFrom: master
accounts:
  tags: { env: prod }
athena:
  workgroup: analytics
  database: inventory
  outputLocation: s3://results-<accountId>/<region>/fanout/
queries:
  - { name: inventory, sql: 'SELECT * FROM items i JOIN warehouse.stock s ON i.id = s.item' }
  - { name: costs, sql: 'SELECT * FROM line_items', regions: [ap-south-1], database: billing, workgroup: finance, outputLocation: 's3://finance-results/athena/', encryption: SSE_KMS, kmsKey: 1234abcd-12ab-34cd-56ef-1234567890ab }
sinks:
  - { type: parquet, path: '{query}.parquet' }
`;

/** Round-trips through JSON text, as a user would paste it into IAM. */
const asJson = (d: PolicyDocument): PolicyDocument => JSON.parse(JSON.stringify(d)) as PolicyDocument;
const statement = (d: PolicyDocument, sid: string): PolicyStatement => {
  const s = d.Statement.find((x) => x.Sid === sid);
  if (!s) throw new Error(`no statement ${sid} in ${JSON.stringify(d)}`);
  return s;
};

function expectValid(d: PolicyDocument): void {
  const parsed = asJson(d);
  expect(parsed.Version).toBe('2012-10-17');
  expect(parsed.Statement.length).toBeGreaterThan(0);
  const sids = parsed.Statement.map((s) => s.Sid);
  expect(new Set(sids).size).toBe(sids.length);
  for (const s of parsed.Statement) {
    expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
    expect(s.Effect).toBe('Allow');
    expect(s.Action.length).toBeGreaterThan(0);
    for (const a of s.Action) {
      expect(a).toMatch(/^(sts|organizations|athena|glue|s3|kms|lambda|lakeformation):[A-Za-z]+$/);
    }
    expect(s.Resource !== undefined || s.Principal !== undefined).toBe(true);
  }
}

describe('iam-policy', () => {
  const policies = iamPolicies(load(CONFIG));
  const [hub, reader, athena] = policies.roles;

  it('writes one valid trust and permission policy per role, in chain order', () => {
    expect(policies.roles.map((r) => [r.chain, r.hop, r.roleArn])).toEqual([
      ['master', 0, 'arn:aws:iam::111111111111:role/OrgHub'],
      ['master', 1, 'arn:aws:iam::111111111111:role/OrgReader'],
      ['account', 0, 'arn:aws:iam::<accountId>:role/AthenaReader'],
    ]);
    for (const r of policies.roles) {
      expectValid(r.trustPolicy);
      expectValid(r.permissionPolicy);
    }
    expectValid(policies.base.permissionPolicy);
  });

  it('trusts the previous hop with the ExternalId each hop sends', () => {
    expect(asJson(hub!.trustPolicy).Statement).toEqual([
      {
        Sid: 'TrustPreviousHop',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111111111111:root' },
        Action: ['sts:AssumeRole'],
        Condition: { StringEquals: { 'sts:ExternalId': 'ext-7' } },
      },
    ]);
    expect(statement(reader!.trustPolicy, 'TrustPreviousHop')).toMatchObject({
      Principal: { AWS: 'arn:aws:iam::111111111111:role/OrgHub' },
      Condition: { StringEquals: { 'sts:ExternalId': 'reader-ext' } },
    });
    expect(statement(athena!.trustPolicy, 'TrustPreviousHop').Principal).toEqual({
      AWS: 'arn:aws:iam::111111111111:role/OrgReader',
    });
  });

  it('lets each role assume only the next hop, and the master chain end list the organization', () => {
    expect(hub!.permissionPolicy.Statement).toEqual([
      {
        Sid: 'AssumeNextHop',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: ['arn:aws:iam::111111111111:role/OrgReader'],
      },
    ]);
    expect(statement(reader!.permissionPolicy, 'OrganizationsListing').Action).toEqual([
      'organizations:DescribeOrganization',
      'organizations:ListAccountsForParent',
      'organizations:ListOrganizationalUnitsForParent',
      'organizations:ListRoots',
      // accounts.tags is set
      'organizations:ListTagsForResource',
    ]);
    expect(statement(reader!.permissionPolicy, 'AssumeNextHop').Resource).toEqual([
      'arn:aws:iam::*:role/AthenaReader',
    ]);
    expect(policies.base.permissionPolicy.Statement).toEqual([
      {
        Sid: 'AssumeMasterChain',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: ['arn:aws:iam::111111111111:role/OrgHub'],
      },
    ]);
  });

  it("gives the account role Athena on exactly the config's workgroups and regions, Glue reads on exactly the tables its SQL reads, S3 on its output locations", () => {
    const p = asJson(athena!.permissionPolicy);
    expect(statement(p, 'AthenaWorkgroups').Resource).toEqual([
      'arn:aws:athena:ap-south-1:<accountId>:workgroup/finance',
      'arn:aws:athena:eu-west-1:<accountId>:workgroup/analytics',
      'arn:aws:athena:us-east-1:<accountId>:workgroup/analytics',
    ]);
    expect(statement(p, 'AthenaWorkgroups').Action).toContain('athena:StartQueryExecution');
    expect(statement(p, 'GlueCatalogReads').Resource).toEqual([
      'arn:aws:glue:ap-south-1:<accountId>:catalog',
      'arn:aws:glue:ap-south-1:<accountId>:database/billing',
      'arn:aws:glue:ap-south-1:<accountId>:table/billing/line_items',
      'arn:aws:glue:eu-west-1:<accountId>:catalog',
      'arn:aws:glue:eu-west-1:<accountId>:database/inventory',
      'arn:aws:glue:eu-west-1:<accountId>:database/warehouse',
      'arn:aws:glue:eu-west-1:<accountId>:table/inventory/items',
      'arn:aws:glue:eu-west-1:<accountId>:table/warehouse/stock',
      'arn:aws:glue:us-east-1:<accountId>:catalog',
      'arn:aws:glue:us-east-1:<accountId>:database/inventory',
      'arn:aws:glue:us-east-1:<accountId>:database/warehouse',
      'arn:aws:glue:us-east-1:<accountId>:table/inventory/items',
      'arn:aws:glue:us-east-1:<accountId>:table/warehouse/stock',
    ]);
    expect(statement(p, 'GlueCatalogReads').Action).toEqual([
      'glue:BatchGetPartition',
      'glue:GetDatabase',
      'glue:GetPartition',
      'glue:GetPartitions',
      'glue:GetTable',
    ]);
    const s3 = p.Statement.filter((s) => s.Sid.startsWith('AthenaResults'));
    // GetBucketLocation carries no s3:prefix: it has a statement of its own, without the condition.
    expect(statement(p, 'S3BucketLocation')).toEqual({
      Sid: 'S3BucketLocation',
      Effect: 'Allow',
      Action: ['s3:GetBucketLocation'],
      Resource: ['arn:aws:s3:::*', 'arn:aws:s3:::finance-results', 'arn:aws:s3:::results-<accountId>'],
    });
    for (const s of p.Statement.filter((x) => x.Condition)) expect(s.Action).toEqual(['s3:ListBucket']);
    expect(s3.map((s) => [s.Sid, s.Resource, s.Condition])).toEqual([
      [
        'AthenaResultsBucket1',
        ['arn:aws:s3:::finance-results'],
        { StringLike: { 's3:prefix': ['athena/*'] } },
      ],
      ['AthenaResultsObjects1', ['arn:aws:s3:::finance-results/athena/*'], undefined],
      [
        'AthenaResultsBucket2',
        ['arn:aws:s3:::results-<accountId>'],
        { StringLike: { 's3:prefix': ['eu-west-1/fanout/*', 'us-east-1/fanout/*'] } },
      ],
      [
        'AthenaResultsObjects2',
        [
          'arn:aws:s3:::results-<accountId>/eu-west-1/fanout/*',
          'arn:aws:s3:::results-<accountId>/us-east-1/fanout/*',
        ],
        undefined,
      ],
    ]);
    expect(statement(p, 'ResultsKmsKey')).toMatchObject({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: ['arn:aws:kms:ap-south-1:<accountId>:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
    });
    // Without discovery the tables' data locations are unknown: every bucket, and a note says why.
    expect([statement(p, 'TableDataBucket1'), statement(p, 'TableDataObjects1')]).toEqual([
      { Sid: 'TableDataBucket1', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::*'] },
      { Sid: 'TableDataObjects1', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::*/*'] },
    ]);
    expect(athena!.statementNotes.TableDataBucket1?.join()).toMatch(
      /every bucket: .*Glue Data Catalog.*--discover/,
    );
    // nothing beyond Athena, Glue, the results key, the output buckets and the tables' data
    expect(p.Statement.map((s) => s.Sid)).toEqual([
      'AthenaWorkgroups',
      'GlueCatalogReads',
      'ResultsKmsKey',
      'AthenaResultsBucket1',
      'AthenaResultsObjects1',
      'AthenaResultsBucket2',
      'AthenaResultsObjects2',
      'TableDataBucket1',
      'TableDataObjects1',
      'S3BucketLocation',
    ]);
    expect(athena!.policyKind).toBe('inline');
    expect(athena!.permissionPolicies).toEqual([athena!.permissionPolicy]);
  });

  it('the management account queried through the master chain gets the query permissions there', () => {
    const p = asJson(reader!.permissionPolicy);
    expect(statement(p, 'AthenaWorkgroups').Resource).toContain(
      'arn:aws:athena:eu-west-1:111111111111:workgroup/analytics',
    );
    expect(statement(p, 'AthenaResultsObjects2').Resource).toContain(
      'arn:aws:s3:::results-111111111111/us-east-1/fanout/*',
    );
  });

  it("listed accounts that include the master chain's account: the run queries it through the master chain, so its last role gets the query permissions", () => {
    const yaml = (listed: string) => `version: 1
region: eu-west-1
auth:
  masterRoleChain: ['arn:aws:iam::111111111111:role/OrgReader']
  accountRoleChain: ['arn:aws:iam::<accountId>:role/AthenaReader']
  accountChainFrom: master
accounts: { source: list, ids: ${listed} }
athena: { workgroup: analytics, outputLocation: 's3://results-<accountId>/' }
queries:
  - { name: everywhere, sql: SELECT 1 }
  - { name: members, sql: SELECT 2, workgroup: members, accounts: ['222222222222'] }
sinks: [{ type: parquet, path: '{query}.parquet' }]
`;
    const [master] = iamPolicies(load(yaml("['111111111111', '222222222222']"))).roles;
    const p = asJson(master!.permissionPolicy);
    // only the queries whose accounts include the management account
    expect(statement(p, 'AthenaWorkgroups').Resource).toEqual([
      'arn:aws:athena:eu-west-1:111111111111:workgroup/analytics',
    ]);
    expect(statement(p, 'AthenaResultsObjects1').Resource).toEqual(['arn:aws:s3:::results-111111111111/*']);
    expect(master!.notes).toContain('also queries the management account (managementAccountChain: master)');
    // not listed (or excluded): the master role only assumes the account role
    for (const listed of [
      "['222222222222']",
      "['111111111111', '222222222222'], exclude: ['111111111111']",
    ]) {
      const [notListed] = iamPolicies(load(yaml(listed))).roles;
      expect(notListed!.permissionPolicy.Statement.map((s) => s.Sid)).toEqual(['AssumeNextHop']);
    }
  });

  it('no master chain: the base credentials list the organization and query the management account, so they get the query permissions', () => {
    const config = load(`version: 1
region: eu-west-1
auth: { accountRoleChain: ['arn:aws:iam::<accountId>:role/AthenaReader'] }
athena: { workgroup: analytics }
queries: [{ name: q, sql: SELECT * FROM t }]
sinks: [{ type: parquet, path: q.parquet }]
`);
    const base = iamPolicies(config, { basePrincipal: 'arn:aws:iam::999999999999:role/ci' }).base;
    const p = asJson(base.permissionPolicy);
    expect(p.Statement.map((s) => s.Sid)).toEqual([
      'AssumeAccountChain',
      'OrganizationsListing',
      'AthenaWorkgroups',
      'GlueCatalogReads',
      'TableDataBucket1',
      'TableDataObjects1',
      'S3BucketLocation',
    ]);
    expect(statement(p, 'AthenaWorkgroups').Resource).toEqual([
      'arn:aws:athena:eu-west-1:999999999999:workgroup/analytics',
    ]);
    // no database: Athena's default one
    expect(statement(p, 'GlueCatalogReads').Resource).toContain(
      'arn:aws:glue:eu-west-1:999999999999:table/default/t',
    );
    expect(base.notes).toContain('also queries the management account (managementAccountChain: master)');
  });

  it('a chain from the base credentials: the first account hop trusts the base principal, no ExternalId when none is set', () => {
    const config = load(`version: 1
region: eu-west-1
auth:
  accountRoleChain:
    - arn:aws:iam::<accountId>:role/Entry
    - { arn: 'arn:aws:iam::<accountId>:role/Reader', tags: { team: data } }
accounts: { source: list, ids: ['222222222222'] }
queries: [{ name: q, sql: SELECT 1 }]
sinks: [{ type: parquet, path: q.parquet }]
`);
    const out = iamPolicies(config, { basePrincipal: 'arn:aws:iam::999999999999:role/ci' });
    const [entry, reader2] = out.roles;
    expect(entry!.trustPolicy.Statement[0]).toEqual({
      Sid: 'TrustPreviousHop',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::999999999999:role/ci' },
      Action: ['sts:AssumeRole'],
    });
    // session tags need sts:TagSession on both sides
    expect(entry!.permissionPolicy.Statement[0]?.Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(reader2!.trustPolicy.Statement[0]?.Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(out.base.permissionPolicy.Statement).toEqual([
      {
        Sid: 'AssumeAccountChain',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: ['arn:aws:iam::*:role/Entry'],
      },
    ]);
    // no organization listing anywhere for a list source
    const all = JSON.stringify(out);
    expect(all).not.toContain('organizations:');
    expect(reader2!.notes.join('\n')).toMatch(/no outputLocation/);
  });

  it('fetch: unload: list, read and write under the unload prefix; delete there and in the output location unless kept', () => {
    const config = load(`version: 1
region: eu-west-1
auth: { accountRoleChain: ['arn:aws:iam::<accountId>:role/Reader'] }
accounts: { source: list, ids: ['222222222222'] }
athena: { outputLocation: 's3://results-<accountId>/fanout/', fetch: unload }
queries:
  - { name: a, sql: SELECT 1 }
  - { name: b, sql: SELECT 2, unload: { location: 's3://unload-<accountId>/<region>/', keep: true } }
sinks: [{ type: parquet, path: '{query}.parquet' }]
`);
    const p = asJson(iamPolicies(config).roles[0]!.permissionPolicy);
    const s3 = p.Statement.filter((s) => s.Sid.startsWith('AthenaResultsObjects'));
    expect(s3.flatMap((s) => s.Resource)).toEqual([
      'arn:aws:s3:::results-<accountId>/fanout/*',
      'arn:aws:s3:::results-<accountId>/fanout/athena-fanout-unload/*',
      'arn:aws:s3:::unload-<accountId>/eu-west-1/athena-fanout-unload/*',
    ]);
    expect(statement(p, 'AthenaResultsBucket2').Condition).toEqual({
      StringLike: { 's3:prefix': ['eu-west-1/athena-fanout-unload/*'] },
    });
    // Query b keeps its parts: only a's prefix and the output location (manifests) are deletable.
    expect(statement(p, 'UnloadCleanup')).toEqual({
      Sid: 'UnloadCleanup',
      Effect: 'Allow',
      Action: ['s3:DeleteObject'],
      Resource: [
        'arn:aws:s3:::results-<accountId>/fanout/*',
        'arn:aws:s3:::results-<accountId>/fanout/athena-fanout-unload/*',
      ],
    });
  });
});
