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
sinks:
  - { type: parquet, path: '{query}.parquet' }
`;

function load(yaml: string): PipelineConfig {
  const result = parseConfig(parse(yaml), { env: {}, baseDir: '/base' });
  if (!result.ok) throw new Error(`expected a valid config, got:\n${JSON.stringify(result.issues, null, 2)}`);
  return result.config;
}

function issues(yaml: string): ConfigIssue[] {
  const result = parseConfig(parse(yaml), { env: {}, baseDir: '/base' });
  if (result.ok) throw new Error('expected config issues');
  return result.issues;
}

describe('accounts selection fields', () => {
  it('OUs by id or path, excluded OUs, tags (a value or a list) and states are normalised', () => {
    const config = load(`${MINIMAL}accounts:
  organizationalUnits: [Root/Prod/Web, ou-ab12-12345678]
  excludeOrganizationalUnits: [Root/Prod/Web/Legacy]
  tags: { env: prod, team: [web, data] }
  states: [ACTIVE, SUSPENDED]
`);
    expect(config.accounts).toEqual({
      source: 'organization',
      organizationalUnits: ['Root/Prod/Web', 'ou-ab12-12345678'],
      excludeOrganizationalUnits: ['Root/Prod/Web/Legacy'],
      tags: { env: ['prod'], team: ['web', 'data'] },
      states: ['ACTIVE', 'SUSPENDED'],
      exclude: [],
    });
  });

  it('refuses malformed OUs and unknown states, naming the field', () => {
    const found = issues(`${MINIMAL}accounts:
  organizationalUnits: [Prod/Web]
  states: [active]
`);
    expect(found.map((i) => i.path).sort()).toEqual(['accounts.organizationalUnits.0', 'accounts.states.0']);
    expect(found.find((i) => i.path === 'accounts.organizationalUnits.0')?.message).toMatch(
      /Root\/Prod\/Web/,
    );
    expect(found.find((i) => i.path === 'accounts.states.0')?.message).toMatch(/ACTIVE/);
  });

  it('OU and tag filters need Organizations, so a list source refuses them', () => {
    const found = issues(`${MINIMAL}accounts:
  source: list
  ids: ['012345678901']
  organizationalUnits: [Root/Prod]
  tags: { env: prod }
`);
    expect(found.map((i) => i.path).sort()).toEqual(['accounts.organizationalUnits', 'accounts.tags']);
    expect(found[0]?.message).toMatch(/source is organization/);
  });
});

describe('regions', () => {
  it('default to the region; top-level regions reach every query unless a query sets its own', () => {
    expect(load(MINIMAL).queries[0]?.regions).toEqual(['eu-west-1']);
    const config = load(
      MINIMAL.replace('region: eu-west-1\n', 'region: eu-west-1\nregions: [eu-west-1, us-east-1]\n').replace(
        '  - { name: q, sql: SELECT 1 }',
        "  - { name: q, sql: SELECT 1 }\n  - { name: r, sql: SELECT 2, regions: [ap-south-1], outputLocation: 's3://out-{accountId}-{region}/r/' }",
      ),
    );
    expect(config.region).toBe('eu-west-1');
    expect(config.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(config.queries.map((q) => q.regions)).toEqual([['eu-west-1', 'us-east-1'], ['ap-south-1']]);
    expect(config.queries[1]?.outputLocation).toBe('s3://out-<accountId>-<region>/r/');
  });

  it('refuses a malformed or repeated region', () => {
    const found = issues(
      MINIMAL.replace('region: eu-west-1\n', 'region: eu-west-1\nregions: [eu-west-1, Europe]\n'),
    );
    expect(found).toEqual([{ path: 'regions.1', message: expect.stringMatching(/region name/) as unknown }]);
    const twice = issues(
      MINIMAL.replace('region: eu-west-1\n', 'region: eu-west-1\nregions: [eu-west-1, eu-west-1]\n'),
    );
    expect(twice).toEqual([{ path: 'regions', message: 'lists a region twice' }]);
  });
});
