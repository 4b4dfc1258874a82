import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig, type PipelineConfig } from '../../src/config/index.js';
import type { ConfigIssue } from '../../src/errors.js';

const MINIMAL = `version: 1
region: eu-west-1
auth:
  accountRoleChain: [arn:aws:iam::<accountId>:role/AthenaReader]
queries:
  - { name: q, sql: SELECT 1 }
  - { name: r, sql: SELECT 2 }
sinks:
  - { type: parquet, path: '{query}.parquet' }
`;

function parsed(yaml: string) {
  return parseConfig(parse(yaml), { env: {}, baseDir: '/base', source: yaml });
}

function load(yaml: string): PipelineConfig {
  const result = parsed(yaml);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${JSON.stringify(result.issues, null, 2)}`);
  return result.config;
}

function issues(yaml: string): ConfigIssue[] {
  const result = parsed(yaml);
  if (result.ok) throw new Error('expected config issues');
  return result.issues;
}

describe('overrides:', () => {
  it('is normalised: tag values as lists, {accountId} as <accountId>, field names for plan', () => {
    const config = load(`${MINIMAL}overrides:
  - match: { ou: [Root/Prod], tags: { env: prod } }
    set:
      workgroup: '{{tags.athena-workgroup | primary}}'
      outputLocation: 's3://results-{accountId}/{region}/'
      vars: { limit: 10, debug: true }
  - match: { accounts: ['222222222222'] }
    queries: [r]
    set: { database: sales, regions: [us-east-1] }
`);
    expect(config.overrides).toEqual([
      {
        field: 'overrides.0',
        match: { ou: ['Root/Prod'], tags: { env: ['prod'] } },
        set: {
          workgroup: '{{tags.athena-workgroup | primary}}',
          outputLocation: 's3://results-<accountId>/<region>/',
          vars: { limit: '10', debug: 'true' },
        },
      },
      {
        field: 'overrides.1',
        match: { accounts: ['222222222222'] },
        queries: ['r'],
        set: { database: 'sales', regions: ['us-east-1'] },
      },
    ]);
  });

  it('defaults to none', () => {
    expect(load(MINIMAL).overrides).toEqual([]);
  });

  it('names each bad field with its line, before anything runs', () => {
    const found = issues(`${MINIMAL}overrides:
  - match: { accounts: [12345], ou: [Prod/Web], colour: red }
    queries: [nope]
    set:
      workgroup: 'wg with spaces'
      outputLocation: 's3://{{tags.bucket}}'
      database: '{{tags.db'
      catalog: '{{runId}}'
      regions: [mars-1]
      vars: { 'bad-name': x }
  - set: {}
`);
    const byPath = Object.fromEntries(found.map((i) => [i.path, i.message]));
    const expected: [string, string][] = [
      ['overrides.0.match.accounts.0', '12-digit account id'],
      ['overrides.0.match.ou.0', 'expected an OU path from the root, e.g. Root/Prod'],
      ['overrides.0.match.colour', 'unknown key "colour"; allowed here: accounts, ou, tags'],
      ['overrides.0.set.workgroup', 'expected a workgroup name'],
      ['overrides.0.set.outputLocation', 'must end with "/"'],
      ['overrides.0.set.database', 'has an unclosed {{ or a stray }}'],
      ['overrides.0.set.catalog', 'unknown template variable {{runId}}'],
      ['overrides.0.set.regions.0', 'expected an AWS region name like eu-west-1'],
      ['overrides.0.set.vars.bad-name', ''],
      ['overrides.1.set', 'sets nothing'],
    ];
    for (const [path, message] of expected) expect(byPath[path], path).toContain(message);
    expect(found.find((i) => i.path === 'overrides.0.set.workgroup')?.line).toBe(14);
  });

  it('names an unknown query in queries:', () => {
    const found = issues(`${MINIMAL}overrides:
  - { queries: [q, nope], set: { database: x } }
`);
    expect(found).toEqual([
      expect.objectContaining({
        path: 'overrides.0.queries.1',
        message: 'no query is named "nope" (queries: q, r)',
      }),
    ]);
  });

  it('checks a template default as the field itself', () => {
    const found = issues(`${MINIMAL}overrides:
  - set: { workgroup: '{{tags.wg | not a name}}' }
`);
    expect(found.map((i) => i.path)).toEqual(['overrides.0.set.workgroup']);
    expect(found[0]?.message).toContain('(as "not a name")');
  });

  it('refuses OU and tag matches, and tag templates without a default, for accounts from a list', () => {
    const found = issues(`${MINIMAL}accounts: { source: list, ids: ['111111111111'] }
overrides:
  - match: { ou: [Root/Prod], tags: { env: prod } }
    set: { database: '{{tags.db}}' }
  - set: { database: '{{tags.db | main}}_{{accountId}}' }
`);
    expect(found.map((i) => [i.path, i.message])).toEqual([
      ['overrides.0.match.ou', expect.stringContaining('accounts from a list have no OU or tags')],
      ['overrides.0.match.tags', expect.stringContaining('accounts from a list have no OU or tags')],
      ['overrides.0.set', expect.stringContaining('{{tags.db}} has no value for accounts from a list')],
    ]);
  });
});

describe('partitions', () => {
  const CN = MINIMAL.replace('region: eu-west-1', 'region: cn-north-1').replace(
    'arn:aws:iam',
    'arn:aws-cn:iam',
  );

  it('accepts aws-cn and aws-us-gov role ARNs with a region of their partition', () => {
    expect(load(CN).auth.accountRoleChain[0]?.arn).toBe('arn:aws-cn:iam::<accountId>:role/AthenaReader');
    const gov = MINIMAL.replace('region: eu-west-1', 'region: us-gov-west-1').replace(
      'arn:aws:iam',
      'arn:aws-us-gov:iam',
    );
    expect(load(`${gov}regions: [us-gov-west-1, us-gov-east-1]\n`).regions).toEqual([
      'us-gov-west-1',
      'us-gov-east-1',
    ]);
  });

  it('refuses a role or a region of another partition than the home region, naming the field', () => {
    const found = issues(`${CN}regions: [cn-north-1, eu-west-1]
overrides:
  - { set: { regions: [us-gov-west-1] } }
`);
    expect(found.map((i) => [i.path, i.message])).toEqual([
      [
        'regions.1',
        'eu-west-1 is in partition aws, but the home region cn-north-1 is in aws-cn: one run stays in one partition',
      ],
      [
        'overrides.0.set.regions.0',
        'us-gov-west-1 is in partition aws-us-gov, but the home region cn-north-1 is in aws-cn: one run stays in one partition',
      ],
    ]);
    expect(issues(MINIMAL.replace('arn:aws:iam', 'arn:aws-cn:iam'))).toEqual([
      expect.objectContaining({
        path: 'auth.accountRoleChain.0',
        message:
          'is in partition aws-cn, but region eu-west-1 is in aws: use a region of aws-cn (e.g. cn-north-1) or a role in arn:aws:',
      }),
    ]);
  });
});
