import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Account } from '../../src/accounts/index.js';
import { parseConfig, type PipelineConfig } from '../../src/config/index.js';
import { accountMatches, planUnits, querySettingsFor } from '../../src/plan/index.js';
import { needsTags } from '../../src/plan/resolve-accounts.js';

function load(overrides: string, extra = ''): PipelineConfig {
  const yaml = `version: 1
region: eu-west-1
auth:
  accountRoleChain: [arn:aws:iam::<accountId>:role/AthenaReader]
athena: { workgroup: primary, database: main, outputLocation: 's3://results/<accountId>/' }
vars: { env: dev, limit: 5 }
queries:
  - { name: q, sql: 'SELECT {{vars.env}}' }
  - { name: r, sql: SELECT 2, database: own }
sinks:
  - { type: parquet, path: '{query}.parquet' }
${extra}overrides:
${overrides}`;
  const result = parseConfig(parse(yaml), { env: {}, baseDir: '/base' });
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
  return result.config;
}

const web: Account = {
  id: '222222222222',
  name: 'web-prod',
  state: 'ACTIVE',
  ouPath: 'Root/Prod/Web',
  tags: { env: 'prod', 'athena-workgroup': 'web-wg' },
};
const dev: Account = { id: '333333333333', state: 'ACTIVE', ouPath: 'Root/Production', tags: { env: 'dev' } };
const q = (config: PipelineConfig, name = 'q') => config.queries.find((x) => x.name === name)!;

describe('accountMatches', () => {
  it('matches an OU path as a subtree, never a sibling with the same prefix', () => {
    expect(accountMatches({ ou: ['Root/Prod'] }, web)).toBe(true);
    expect(accountMatches({ ou: ['Root/Prod'] }, dev)).toBe(false);
    expect(accountMatches({ ou: ['Root/Prod/Web'] }, web)).toBe(true);
  });

  it('needs every key to hold: ids, tags (one of the values), OU', () => {
    expect(accountMatches({ accounts: ['222222222222'], tags: { env: ['dev', 'prod'] } }, web)).toBe(true);
    expect(accountMatches({ accounts: ['222222222222'], tags: { env: ['dev'] } }, web)).toBe(false);
    expect(accountMatches({ tags: { env: ['prod'] } }, { id: '444444444444', state: 'ACTIVE' })).toBe(false);
    expect(accountMatches({}, dev)).toBe(true);
  });
});

describe('querySettingsFor', () => {
  it('applies matching overrides in order, a later one winning field by field', () => {
    const config = load(`  - match: { ou: [Root/Prod] }
    set: { workgroup: prod-wg, database: sales, vars: { env: prod } }
  - match: { tags: { env: prod } }
    set: { database: sales_eu, regions: [eu-west-1, us-east-1] }
  - match: { accounts: ['333333333333'] }
    set: { outputLocation: 's3://dev-results/<accountId>/' }
`);
    const s = querySettingsFor(config, web, q(config));
    expect(s.query).toMatchObject({
      name: 'q',
      workgroup: 'prod-wg',
      database: 'sales_eu',
      outputLocation: 's3://results/<accountId>/',
      regions: ['eu-west-1', 'us-east-1'],
    });
    expect(s.vars).toEqual({ env: 'prod', limit: '5' });
    expect(s.applied).toEqual(['overrides.0', 'overrides.1']);
    expect(s.error).toBeUndefined();
    const d = querySettingsFor(config, dev, q(config));
    expect(d.query).toMatchObject({
      workgroup: 'primary',
      database: 'main',
      outputLocation: 's3://dev-results/<accountId>/',
    });
    expect(d.vars).toEqual({ env: 'dev', limit: '5' });
    expect(d.applied).toEqual(['overrides.2']);
  });

  it("overrides win over a query's own setting, and `queries:` narrows an override to those queries", () => {
    const config = load(`  - match: { accounts: ['222222222222'] }
    queries: [q]
    set: { database: only_q }
  - match: { accounts: ['333333333333'] }
    set: { database: everywhere }
`);
    expect(querySettingsFor(config, web, q(config, 'r')).query.database).toBe('own');
    expect(querySettingsFor(config, web, q(config, 'q')).query.database).toBe('only_q');
    expect(querySettingsFor(config, dev, q(config, 'r')).query.database).toBe('everywhere');
  });

  it('fills templates from the account, with the declared default when a tag is missing', () => {
    const config = load(`  - set:
      workgroup: '{{tags.athena-workgroup | primary}}'
      database: 'db_{{accountId}}'
      vars: { owner: '{{accountName | unknown}}' }
`);
    expect(querySettingsFor(config, web, q(config))).toMatchObject({
      query: { workgroup: 'web-wg', database: 'db_222222222222' },
      vars: { owner: 'web-prod' },
    });
    expect(querySettingsFor(config, dev, q(config))).toMatchObject({
      query: { workgroup: 'primary', database: 'db_333333333333' },
      vars: { owner: 'unknown' },
    });
  });

  it("a missing tag without a default is that account's error, naming the field, the account and the tag", () => {
    const config = load(`  - set: { workgroup: '{{tags.athena-workgroup}}' }
`);
    expect(querySettingsFor(config, web, q(config)).error).toBeUndefined();
    expect(querySettingsFor(config, dev, q(config)).error).toBe(
      'Query q: overrides.0.set.workgroup: account 333333333333 has no tag athena-workgroup ({{tags.athena-workgroup}} declares no default: tag the account, or write {{tags.athena-workgroup | default}})',
    );
    // planned all the same: each of its units fails alone with that error, the others run
    const units = planUnits(config, [web, dev]);
    expect(
      units.map((u) => [u.account.id, u.query.name, u.query.workgroup, u.settingsError !== undefined]),
    ).toEqual([
      ['222222222222', 'q', 'web-wg', false],
      ['222222222222', 'r', 'web-wg', false],
      ['333333333333', 'q', 'primary', true],
      ['333333333333', 'r', 'primary', true],
    ]);
  });

  it("a tag value that is no valid setting is the account's error too", () => {
    const config = load(`  - set: { outputLocation: 's3://{{tags.env}}-results/' }
`);
    const bad: Account = { ...dev, tags: { env: 'Dev_Team' } };
    expect(querySettingsFor(config, bad, q(config)).error).toContain(
      'overrides.0.set.outputLocation: for account 333333333333 "s3://{{tags.env}}-results/" is "s3://Dev_Team-results/": expected s3://bucket/prefix/',
    );
  });

  it("plans each account's units in its own regions", () => {
    const config = load(`  - match: { accounts: ['333333333333'] }
    set: { regions: [us-east-1, ap-south-1] }
`);
    expect(planUnits(config, [web, dev]).map((u) => `${u.account.id}/${u.region}/${u.query.name}`)).toEqual([
      '222222222222/eu-west-1/q',
      '222222222222/eu-west-1/r',
      '333333333333/us-east-1/q',
      '333333333333/ap-south-1/q',
      '333333333333/us-east-1/r',
      '333333333333/ap-south-1/r',
    ]);
  });
});

describe('needsTags', () => {
  it('reads tags when an override matches by tag or fills a setting from one, not otherwise', () => {
    expect(needsTags(load(`  - match: { ou: [Root/Prod] }\n    set: { database: x }\n`))).toBe(false);
    expect(needsTags(load(`  - match: { tags: { env: prod } }\n    set: { database: x }\n`))).toBe(true);
    expect(needsTags(load(`  - set: { vars: { team: '{{tags.team | none}}' } }\n`))).toBe(true);
  });
});

describe('vars from templates', () => {
  it('are free text, whatever the var is called', () => {
    const config = load(`  - set: { vars: { workgroup: '{{accountName | no name}}' } }
`);
    expect(querySettingsFor(config, web, q(config))).toMatchObject({ vars: { workgroup: 'web-prod' } });
    expect(querySettingsFor(config, dev, q(config)).vars.workgroup).toBe('no name');
    expect(querySettingsFor(config, dev, q(config)).error).toBeUndefined();
  });
});
