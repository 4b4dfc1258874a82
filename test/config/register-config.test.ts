import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { repoRoot } from '../helpers/cli.js';

const config = (sink: string) => `version: 1
region: eu-west-1
auth:
  accountRoleChain: [arn:aws:iam::<accountId>:role/AthenaReader]
queries:
  - { name: q, sql: SELECT 1 }
sinks:
  - ${sink}
`;
const issues = (sink: string) => {
  const result = parseConfig(parse(config(sink)), { env: {} });
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('sinks[].register', () => {
  it('is kept on a partitioned S3 Parquet sink', () => {
    const result = parseConfig(
      parse(
        config(
          "{ type: parquet, path: 's3://lake/x/', layout: partitioned, register: { database: fanout, table: inventory, accountId: '123456789012' } }",
        ),
      ),
      { env: {} },
    );
    expect(result.ok && result.config.sinks[0]).toMatchObject({
      register: { database: 'fanout', table: 'inventory', accountId: '123456789012' },
    });
  });

  it('is refused, naming the field, where no Glue table can describe the output', () => {
    expect(
      issues("{ type: parquet, path: 's3://lake/x/', register: { database: fanout, table: t } }"),
    ).toEqual([expect.stringMatching(/sinks\.0\.register.*needs layout: partitioned/)]);
    expect(
      issues('{ type: parquet, path: out/, layout: partitioned, register: { database: fanout, table: t } }'),
    ).toEqual([expect.stringMatching(/sinks\.0\.register.*needs an s3:\/\/ path/)]);
    expect(
      issues(
        "{ type: parquet, path: 's3://lake/x/', layout: partitioned, register: { database: Fan-Out, table: t } }",
      ),
    ).toEqual([expect.stringMatching(/sinks\.0\.register\.database.*a-z 0-9 _/)]);
    expect(
      issues(
        "{ type: arrow, path: 's3://lake/x/', layout: partitioned, register: { database: f, table: t } }",
      ),
    ).not.toEqual([]);
  });

  it('the register example is a valid pipeline config', async () => {
    const text = await readFile(`${repoRoot}examples/register/pipeline.config.yaml`, 'utf8');
    const result = parseConfig(parse(text), { source: text, env: { FANOUT_EXTERNAL_ID: 'ext-123456' } });
    expect(result.ok ? result.config.sinks[0] : result.issues).toMatchObject({
      register: { database: 'fanout', table: 'inventory', accountId: '123456789012' },
    });
  });
});
