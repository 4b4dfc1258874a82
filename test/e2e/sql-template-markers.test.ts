import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorEnv, runCli } from '../helpers/cli.js';
import { orgDir, type OrgDir } from '../helpers/org-run.js';
import { EXTERNAL_ID, MANAGEMENT, MEMBERS, orgScenario } from '../helpers/org-scenario.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';

/**
 * Account names (AWS allows any printable ASCII, up to 50 characters) chosen to end a literal or a
 * comment, and variables with what names cannot hold: newlines, unicode, a line separator.
 */
const HOSTILE_NAMES = ['*/ SELECT 1 /*', "it's", '\\', "\\u0027 U&'\\0041' \\x27", "x' OR '1'='1 --"];
const NAMED = HOSTILE_NAMES.map((name, i) => ({ id: MEMBERS[i]!, name }));
const VARS = { nl: 'line1\n-- line2 */ SELECT 2 /*\r\nend', uni: 'héllo 🎉\u2028ünï' };

function scenario() {
  const s = orgScenario();
  s.accounts = s.accounts.map((a) => ({ ...a, name: NAMED.find((n) => n.id === a.id)?.name ?? a.name }));
  s.data = { all: ['CREATE SCHEMA inventory', 'CREATE TABLE inventory.inventory AS SELECT 1 AS x'] };
  return s;
}

const TEMPLATE = `/* one row per account */ SELECT {{accountName}} AS name, -- the account's name
  {{vars.nl}} AS nl, {{ vars.uni }} AS uni, x, ? AS p FROM inventory.inventory`;

function config(sql: string, parameters = "['{{accountName}}']"): string {
  const indented = sql.replaceAll('\n', '\n      ');
  return pipelineYaml(`vars:\n  nl: ${JSON.stringify(VARS.nl)}\n  uni: ${JSON.stringify(VARS.uni)}\n`)
    .replace(
      / {2}exclude: .*\n/,
      `  include: [${[MANAGEMENT, ...NAMED.map((n) => n.id)].map((a) => `"${a}"`).join(', ')}]\n`,
    )
    .replace(
      /queries:\n(?: {2}.*\n)+sinks:\n(?: {2}- .*\n)+/,
      `queries:
  - name: tpl
    sql: |
      ${indented}
    parameters: ${parameters}
sinks:
  - { type: ndjson, path: out/{query}.ndjson }
`,
    );
}

/**
 * The statement meant for an account: each value one literal, its quotes doubled, nothing else (the
 * emulator records it with the execution parameter bound into `?`).
 */
const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;
const intended = (name: string) =>
  `${TEMPLATE.replace('{{accountName}}', literal(name))
    .replace('{{vars.nl}}', literal(VARS.nl))
    .replace('{{ vars.uni }}', literal(VARS.uni))
    .replace('? AS p', `${literal(name)} AS p`)}\n`;

describe('SQL templates: markers are filled only in SQL code', () => {
  let org: OrgDir;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    org = await orgDir(config(TEMPLATE), { scenario: scenario(), prefix: 'fanout-tpl-' });
    env = emulatorEnv(org.emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID });
  });
  afterAll(() => org.cleanup());

  it('hostile account names and variables reach Athena as literals: one intended statement per account', async () => {
    const result = await runCli(['run'], { cwd: org.dir, env });
    expect(result.code, result.stderr).toBe(0);
    for (const { id, name } of NAMED) {
      const received = org.emulator.record.queries.filter((q) => q.accountId === id);
      expect(received.map((q) => q.sql)).toEqual([intended(name)]);
    }
    const rows = (await readFile(join(org.dir, 'out/tpl.ndjson'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(NAMED.length + 1);
    for (const { name } of NAMED) {
      expect(rows).toContainEqual(
        expect.objectContaining({ name, nl: VARS.nl, uni: VARS.uni, x: 1, p: name }),
      );
    }
  });

  /** Each: a template with a marker where a value could end the quotes or comment around it. */
  const REFUSED: { name: string; sql: string; parameters?: string; field: RegExp; says: RegExp }[] = [
    {
      name: 'in a string literal',
      sql: "SELECT x FROM inventory.inventory WHERE 'a' <> '{{accountName}}'",
      field: /queries\.0\.sql/,
      says: /\{\{accountName\}\} is inside a string literal: .*drop the quotes/,
    },
    {
      name: 'in a quoted identifier',
      sql: 'SELECT x AS "{{accountName}}" FROM inventory.inventory',
      field: /queries\.0\.sql/,
      says: /inside a quoted identifier: .*drop the quotes/,
    },
    {
      name: 'in a block comment',
      sql: 'SELECT x /* for {{accountName}} */ FROM inventory.inventory',
      field: /queries\.0\.sql/,
      says: /inside a block comment: .*take it out of the comment/,
    },
    {
      name: 'in a line comment',
      sql: 'SELECT x -- for {{ accountName }}\nFROM inventory.inventory',
      field: /queries\.0\.sql/,
      says: /inside a line comment/,
    },
    {
      name: 'in a quoted parameter',
      sql: 'SELECT ? AS p',
      parameters: `["'{{accountName}}'"]`,
      field: /queries\.0\.parameters\.0/,
      says: /inside a string literal: .*drop the quotes/,
    },
  ];

  it.each(REFUSED)(
    'a marker $name is a config error (exit 2) before any AWS call',
    async ({ sql, parameters, field, says }) => {
      await writeFile(join(org.dir, 'bad.yaml'), config(sql, parameters));
      const calls = org.emulator.record.calls.length;
      const result = await runCli(['run', '--config', 'bad.yaml'], { cwd: org.dir, env });
      expect(result.code, result.stdout + result.stderr).toBe(2);
      expect(result.stderr).toMatch(field);
      expect(result.stderr).toMatch(says);
      expect(org.emulator.record.calls.length).toBe(calls);
    },
  );
});
