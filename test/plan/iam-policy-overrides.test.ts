import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig, type PipelineConfig } from '../../src/config/index.js';
import { iamPolicies, type PolicyDocument } from '../../src/plan/index.js';

function load(yaml: string): PipelineConfig {
  const result = parseConfig(parse(yaml), { env: {}, baseDir: '/base' });
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
  return result.config;
}

const config = (region: string, partition: string, regionB: string) => `version: 1
region: ${region}
auth:
  accountRoleChain: [arn:${partition}:iam::<accountId>:role/AthenaReader]
athena: { workgroup: analytics, database: inventory, outputLocation: 's3://results-<accountId>/' }
queries:
  - { name: q, sql: SELECT * FROM items }
overrides:
  - match: { ou: [Root/Prod] }
    set: { workgroup: finance, outputLocation: 's3://prod-results/<accountId>/', regions: [${regionB}] }
  - set: { database: '{{tags.athena-db | inventory}}' }
sinks:
  - { type: parquet, path: '{query}.parquet' }
`;

const resources = (d: PolicyDocument, sid: string) => d.Statement.find((s) => s.Sid === sid)?.Resource;

describe('iam-policy with overrides:', () => {
  it("the account role's policy covers every workgroup, region, database and output location an override can give; a tag-filled one is a wildcard, said so", () => {
    const role = iamPolicies(load(config('eu-west-1', 'aws', 'us-east-1'))).roles.at(-1)!;
    expect(resources(role.permissionPolicy, 'AthenaWorkgroups')).toEqual([
      'arn:aws:athena:eu-west-1:<accountId>:workgroup/analytics',
      'arn:aws:athena:eu-west-1:<accountId>:workgroup/finance',
      'arn:aws:athena:us-east-1:<accountId>:workgroup/analytics',
      'arn:aws:athena:us-east-1:<accountId>:workgroup/finance',
    ]);
    expect(resources(role.permissionPolicy, 'GlueCatalogReads')).toContain(
      'arn:aws:glue:us-east-1:<accountId>:database/*',
    );
    const s3 = role.permissionPolicy.Statement.filter((s) => s.Sid.startsWith('AthenaResults')).flatMap(
      (s) => s.Resource ?? [],
    );
    expect(s3).toEqual(
      expect.arrayContaining(['arn:aws:s3:::prod-results', 'arn:aws:s3:::results-<accountId>']),
    );
    expect(role.notes).toContain(
      'overrides.1 takes "{{tags.athena-db | inventory}}" from each account: the policy uses * in its place',
    );
  });

  it('aws-cn: every generated ARN is in the aws-cn partition', () => {
    const policies = iamPolicies(load(config('cn-north-1', 'aws-cn', 'cn-northwest-1')));
    const text = JSON.stringify(policies);
    expect(text).toContain('arn:aws-cn:athena:cn-northwest-1:<accountId>:workgroup/finance');
    expect(text).not.toMatch(/arn:aws:/);
  });
});
