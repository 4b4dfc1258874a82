import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';

const BASE = `version: 1
region: eu-west-1
auth:
  accountRoleChain: [arn:aws:iam::<accountId>:role/AthenaReader]
sinks:
  - { type: parquet, path: "{query}.parquet" }
`;

function load(yaml: string) {
  return parseConfig(parse(yaml), { env: {} });
}

describe('execution settings in the config', () => {
  it('athena: defaults reach every query; a query overrides them; retries, failFast, vars, pricePerTB', () => {
    const result = load(`${BASE}athena:
  timeoutSeconds: 600
  encryption: SSE_KMS
  kmsKey: arn:aws:kms:eu-west-1:111111111111:key/abc
  resultReuseMinutes: 60
  pricePerTB: 6.25
retries: { query: 4 }
failFast: true
vars: { env: prod, limit: 10 }
queries:
  - { name: a, sql: SELECT 1 }
  - name: b
    sql: SELECT ?
    timeoutSeconds: 5
    encryption: SSE_S3
    resultReuseMinutes: 1
    accounts: ["222222222222"]
    parameters: ["{{accountId}}"]
`);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const { config } = result;
    expect(config.retries).toEqual({ query: 4 });
    expect(config.failFast).toBe(true);
    expect(config.vars).toEqual({ env: 'prod', limit: '10' });
    expect(config.pricePerTB).toBe(6.25);
    expect(config.queries[0]).toMatchObject({
      timeoutSeconds: 600,
      encryption: { option: 'SSE_KMS', kmsKey: 'arn:aws:kms:eu-west-1:111111111111:key/abc' },
      resultReuseMinutes: 60,
    });
    expect(config.queries[0]!.accounts).toBeUndefined();
    expect(config.queries[1]).toMatchObject({
      timeoutSeconds: 5,
      encryption: { option: 'SSE_S3' },
      resultReuseMinutes: 1,
      accounts: ['222222222222'],
      parameters: ['{{accountId}}'],
    });
  });

  it('defaults: 2 query retries, no failFast, 5 USD per TB, no timeout', () => {
    const result = load(`${BASE}queries: [{ name: a, sql: SELECT 1 }]\n`);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config).toMatchObject({ retries: { query: 2 }, failFast: false, pricePerTB: 5, vars: {} });
    expect(result.config.queries[0]!.timeoutSeconds).toBeUndefined();
  });

  it('refuses a KMS option without its key, a key without KMS, reuse beyond 7 days, bad vars names', () => {
    const result = load(`${BASE}athena: { encryption: SSE_KMS }
vars: { "bad-name": x }
queries:
  - { name: a, sql: SELECT 1, encryption: SSE_S3, kmsKey: k1 }
  - { name: b, sql: SELECT 1, resultReuseMinutes: 20000, timeoutSeconds: 0, accounts: ["12"] }
`);
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^athena\.kmsKey: required with encryption: SSE_KMS/),
        expect.stringMatching(/^queries\.0\.kmsKey: only with encryption: SSE_KMS or CSE_KMS/),
        expect.stringMatching(/^queries\.1\.resultReuseMinutes: expected whole minutes from 1 to 10080/),
        expect.stringMatching(/^queries\.1\.timeoutSeconds: expected whole seconds from 1 to 604800/),
        expect.stringMatching(/^queries\.1\.accounts\.0: expected a 12-digit account id/),
        expect.stringMatching(/^vars\.bad-name/),
      ]),
    );
  });
});
