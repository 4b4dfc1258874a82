import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { ENV, configErrorFor, edit, issueAt, lineOf, scratchEach } from './helpers.js';

let dir: string;
let valid: string;
scratchEach((scratch) => ({ dir, valid } = scratch));

/** Each case breaks the valid fixture one way; the issue must name the field, say why, and point at the line. */
const CASES: {
  name: string;
  breakIt: (yaml: string) => string;
  path: string;
  message: RegExp;
  /** Text on the line the issue must point at. */
  line?: string;
  env?: Record<string, string | undefined>;
}[] = [
  {
    name: 'missing queries',
    breakIt: (y) => edit(y, /^queries:\n(?: {2}.*\n)+/m, ''),
    path: 'queries',
    message: /^required: a list of queries, each \{ name, sql \}$/,
  },
  {
    name: 'missing account chain',
    breakIt: (y) => edit(y, /^ {2}accountRoleChain:\n {4}- .*\n/m, ''),
    path: 'auth.accountRoleChain',
    message: /^required: the roles to assume in each member account/,
    line: 'auth:',
  },
  {
    name: 'bad role ARN',
    breakIt: (y) => edit(y, 'arn:aws:iam::111111111111:role/OrgHub', 'arn:aws:iam::1111:role/OrgHub'),
    path: 'auth.masterRoleChain.0',
    message: /expected a role ARN like arn:aws:iam::/,
    line: 'role/OrgHub',
  },
  {
    name: 'unknown top-level key',
    breakIt: (y) => `${y}retryCount: 3\n`,
    path: 'retryCount',
    message: /unknown key "retryCount"/,
    line: 'retryCount: 3',
  },
  {
    name: 'unknown nested key',
    breakIt: (y) => edit(y, '  workgroup: primary', '  workgroup: primary\n  wrokgroup: typo'),
    path: 'athena.wrokgroup',
    message: /unknown key "wrokgroup" \(did you mean "workgroup"\?\)/,
    line: 'wrokgroup',
  },
  {
    name: 'unknown key inside a hop mapping',
    breakIt: (y) =>
      edit(y, '      sessionName: org-reader', '      sessionName: org-reader\n      externalID: x'),
    path: 'auth.masterRoleChain.1.externalID',
    message: /unknown key "externalID" \(did you mean "externalId"\?\)/,
    line: 'externalID',
  },
  {
    name: 'account chain without <accountId>',
    breakIt: (y) =>
      edit(y, 'arn:aws:iam::{accountId}:role/AthenaReader', 'arn:aws:iam::333333333333:role/AthenaReader'),
    path: 'auth.accountRoleChain',
    message: /<accountId>/,
    line: '333333333333',
  },
  {
    name: 'master chain with <accountId>',
    breakIt: (y) => edit(y, 'arn:aws:iam::111111111111:role/OrgHub', 'arn:aws:iam::<accountId>:role/OrgHub'),
    path: 'auth.masterRoleChain.0',
    message: /cannot use <accountId>/,
    line: 'role/OrgHub',
  },
  {
    name: 'negative concurrency',
    breakIt: (y) => edit(y, '  queries: 16', '  queries: -4'),
    path: 'concurrency.queries',
    message: /positive whole number/,
    line: 'queries: -4',
  },
  {
    name: 'unset environment variable',
    breakIt: (y) => y,
    env: {},
    path: 'auth.externalId',
    message: /environment variable FANOUT_EXTERNAL_ID is not set/,
    line: 'externalId:',
  },
  {
    name: 'account id given as a YAML number',
    breakIt: (y) => edit(y, "['222222222222']", '[022222222222]'),
    path: 'accounts.exclude.0',
    message: /12-digit account id in quotes.*leading zeros/,
    line: 'exclude:',
  },
  {
    name: 'duplicate query names',
    breakIt: (y) => edit(y, 'name: costs', 'name: Inventory'),
    path: 'queries.1.name',
    message: /duplicate query name "Inventory" \(also queries\.0\.name\).*ignoring case/,
    line: 'name: Inventory',
  },
  {
    name: 'bad session name',
    breakIt: (y) => edit(y, 'sessionName: athena-fanout', 'sessionName: "has spaces!"'),
    path: 'auth.sessionName',
    message: /2 to 64 characters/,
    line: 'has spaces!',
  },
  {
    name: 'sink path without {query} when there are two queries',
    breakIt: (y) => edit(y, 'path: out/{query}.arrow', 'path: out/all.arrow'),
    path: 'sinks.1.path',
    message: /must contain \{query\} when there are 2 queries/,
    line: 'out/all.arrow',
  },
  {
    name: 'a KMS key with sse: AES256',
    breakIt: (y) => edit(y, 'compression: zstd }', 'compression: zstd, sse: AES256, kmsKeyId: alias/k }'),
    path: 'sinks.0.kmsKeyId',
    message: /^only with sse: aws:kms \(or without sse\); S3 refuses a KMS key or bucket key with AES256$/,
    line: 'kmsKeyId: alias/k',
  },
  {
    name: 'bad outputLocation',
    breakIt: (y) => edit(y, 's3://athena-results-<accountId>/fanout/', 'athena-results/fanout'),
    path: 'athena.outputLocation',
    message: /s3:\/\/bucket\/prefix\//,
    line: 'athena-results/fanout',
  },
  {
    name: 'outputLocation without the trailing slash',
    breakIt: (y) =>
      edit(y, 's3://athena-results-<accountId>/fanout/', 's3://athena-results-<accountId>/fanout'),
    path: 'athena.outputLocation',
    message: /must end with "\/"/,
    line: 'outputLocation',
  },
  {
    name: 'wrong version',
    breakIt: (y) => edit(y, 'version: 1', 'version: 2'),
    path: 'version',
    message: /unsupported version: this athena-fanout reads version: 1/,
    line: 'version: 2',
  },
  {
    name: 'durationSeconds out of range',
    breakIt: (y) => edit(y, 'durationSeconds: 3600', 'durationSeconds: 60'),
    path: 'auth.durationSeconds',
    message: /900.*43200/,
    line: 'durationSeconds: 60',
  },
  {
    name: 'unknown sink type',
    breakIt: (y) => edit(y, 'type: arrow', 'type: csv'),
    path: 'sinks.1.type',
    message: /parquet, arrow, arrow-stream or ndjson/,
    line: 'type: csv',
  },
  {
    name: 'list source without ids',
    breakIt: (y) => edit(y, 'source: organization', 'source: list'),
    path: 'accounts.ids',
    message: /required when source is list/,
  },
];

describe('malformed configs: one clear ConfigError naming the field', () => {
  it.each(CASES)('$name', async ({ breakIt, path, message, line, env }) => {
    const yaml = breakIt(valid);
    const err = await configErrorFor(dir, yaml, env ?? ENV);
    const issue = issueAt(err, path);
    expect(issue.message).toMatch(message);
    expect(err.message).toContain(`${path}: ${issue.message}`);
    expect(issue.file).toBe(join(dir, 'broken.yaml'));
    if (line !== undefined) expect(issue.line).toBe(lineOf(yaml, line));
    expect(issue.column).toBeGreaterThan(0);
    expect(err.context.stage).toBe('config');
  });

  it('invalid YAML syntax names the line and column', async () => {
    const yaml = edit(valid, '  perAccount: 2', '  perAccount: [2');
    const err = await configErrorFor(dir, yaml);
    expect(err.issues).toHaveLength(1);
    const [issue] = err.issues;
    expect(issue?.message).toMatch(/^invalid YAML: /);
    expect(issue?.line).toBeGreaterThanOrEqual(lineOf(yaml, 'perAccount: [2'));
    expect(err.message).toMatch(
      new RegExp(`^${join(dir, 'broken.yaml')}:${issue?.line}:${issue?.column}: invalid YAML`),
    );
  });

  it('a duplicated key is a YAML error at the second occurrence', async () => {
    const yaml = edit(
      valid,
      'manifest: out/manifest.json',
      'manifest: out/manifest.json\nmanifest: other.json',
    );
    const err = await configErrorFor(dir, yaml);
    expect(err.issues[0]?.message).toMatch(/unique/);
    expect(err.issues[0]?.line).toBe(lineOf(yaml, 'manifest: other.json'));
  });

  it('a missing file given with --config names the file', async () => {
    const file = join(dir, 'nope.yaml');
    const err: unknown = await loadConfig({ configPath: file, env: ENV }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(`${file}: config file given with --config not found`);
  });

  it('an empty file is refused', async () => {
    const err = await configErrorFor(dir, '# nothing yet\n');
    expect(err.issues[0]?.message).toMatch(/no settings/);
  });

  it('a JavaScript config is refused rather than executed', async () => {
    const err: unknown = await loadConfig({ configPath: join(dir, 'pipeline.config.mjs') }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/only YAML or JSON/);
  });

  it('every issue is reported at once, in file order', async () => {
    let yaml = edit(valid, 'version: 1', 'version: 3');
    yaml = edit(yaml, 'role/OrgHub', 'role/Org Hub');
    yaml = edit(yaml, "['222222222222']", '[222222222222]');
    yaml = edit(yaml, '  perAccount: 2', '  perAccount: 0');
    yaml = edit(yaml, 'name: costs', 'name: inventory');
    yaml = `${yaml}extra: true\n`;
    const err = await configErrorFor(dir, yaml, {});
    expect(err.issues.map((i) => i.path)).toEqual([
      'version',
      'auth.externalId',
      'auth.masterRoleChain.0',
      'accounts.exclude.0',
      'concurrency.perAccount',
      'queries.1.name',
      'extra',
    ]);
    const lines = err.issues.map((i) => i.line ?? 0);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it('a value from an environment variable is never shown, only the variable', async () => {
    const secret = 'not a valid external id!';
    const err = await configErrorFor(dir, valid, { FANOUT_EXTERNAL_ID: secret });
    const issue = issueAt(err, 'auth.externalId');
    expect(issue.message).toContain('${FANOUT_EXTERNAL_ID}');
    expect(err.message).not.toContain(secret);
    expect(JSON.stringify(err.issues)).not.toContain(secret);
  });

  it('a malformed ${ reference is an error telling how to write a literal', async () => {
    const yaml = edit(valid, 'SELECT * FROM inventory', "SELECT '${not closed' FROM inventory");
    const err = await configErrorFor(dir, yaml);
    expect(issueAt(err, 'queries.0.sql').message).toMatch(/unterminated "\$\{".*\$\$\{/);
  });
});
