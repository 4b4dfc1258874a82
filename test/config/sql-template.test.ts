import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/index.js';
import { templateMarkers } from '../../src/config/sql-template.js';
import { FanoutError } from '../../src/errors.js';
import { renderSql, type SqlVariables } from '../../src/extract/index.js';

const where = (sql: string) => templateMarkers(sql).map((m) => [m.name, m.context]);

const vars: SqlVariables = {
  accountId: '111111111111',
  accountName: '*/ SELECT 1 /*',
  region: 'eu-west-1',
  runDate: '2026-11-23',
  runId: 'r',
  tags: { 'a--b': "it's", "o'k": '\\' },
  vars: { nl: 'a\nb' },
};

describe('templateMarkers: where each marker stands', () => {
  it('code, string literals (quotes doubled), quoted identifiers, line and block comments', () => {
    expect(
      where(
        `SELECT {{accountId}}, 'it''s {{accountName}}', "{{region}}", \`{{runId}}\` -- {{runDate}}
         /* {{ouPath}} */ {{id:vars.t}}`,
      ),
    ).toEqual([
      ['accountId', 'code'],
      ['accountName', 'string literal'],
      ['region', 'quoted identifier'],
      ['runId', 'quoted identifier'],
      ['runDate', 'line comment'],
      ['ouPath', 'block comment'],
      ['vars.t', 'code'],
    ]);
  });

  it('a line comment ends at the newline, a block comment at */, an unclosed one at the end', () => {
    expect(where('-- x\n{{accountId}} /* a */ {{region}} /* {{runId}}')).toEqual([
      ['accountId', 'code'],
      ['region', 'code'],
      ['runId', 'block comment'],
    ]);
    expect(where("SELECT 'unclosed {{accountId}}")).toEqual([['accountId', 'string literal']]);
    expect(where("'a'{{accountId}}''")).toEqual([['accountId', 'code']]);
  });

  it('a marker in code is one token: a tag key holding -- or a quote does not start a comment or literal', () => {
    expect(where("{{tags.a--b}} {{tags.o'k}} {{region}}")).toEqual([
      ['tags.a--b', 'code'],
      ["tags.o'k", 'code'],
      ['region', 'code'],
    ]);
    expect(renderSql("{{tags.a--b}} {{tags.o'k}} {{region}}", vars)).toBe("'it''s' '\\' 'eu-west-1'");
  });
});

describe('renderSql fills markers in code only, in one pass', () => {
  it('refuses a marker in quotes or a comment, saying to drop the quotes', () => {
    expect(() => renderSql("SELECT '{{accountName}}'", vars, 'q')).toThrow(FanoutError);
    expect(() => renderSql("SELECT '{{accountName}}'", vars, 'q')).toThrow(/drop the quotes/);
    expect(() => renderSql('SELECT 1 /* {{accountName}} */', vars, 'q')).toThrow(/inside a block comment/);
    expect(() => renderSql('SELECT 1 -- {{accountName}}', vars, 'q')).toThrow(/inside a line comment/);
  });

  it('a value that looks like a marker, a comment end or a newline stays one literal', () => {
    expect(renderSql('/* c */ SELECT {{accountName}} -- n\n, {{vars.nl}}', vars)).toBe(
      "/* c */ SELECT '*/ SELECT 1 /*' -- n\n, 'a\nb'",
    );
    expect(renderSql('SELECT {{accountName}}', { ...vars, accountName: '{{accountId}}' })).toBe(
      "SELECT '{{accountId}}'",
    );
    // The rendered statement has exactly the template's structure: its only code markers are gone.
    const rendered = renderSql('SELECT {{accountName}}, {{vars.nl}}', vars);
    expect(templateMarkers(rendered)).toEqual([]);
  });
});

describe('config validation', () => {
  const yaml = (sql: string, parameters = '') => `version: 1
region: eu-west-1
auth: { accountRoleChain: ['arn:aws:iam::<accountId>:role/R'] }
accounts: { source: list, ids: ['111111111111'] }
athena: { outputLocation: 's3://bucket-x/p/' }
queries:
  - name: q
    sql: ${JSON.stringify(sql)}
${parameters}sinks:
  - { type: parquet, path: out/q.parquet }
`;
  it('names the sql or parameters field of a marker in quotes or a comment', () => {
    const ok = parseConfig(parse(yaml('SELECT {{accountName}} -- a comment')), { env: {}, baseDir: '/base' });
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
    const quoted = parseConfig(parse(yaml("SELECT '{{accountName}}'")), { env: {}, baseDir: '/base' });
    expect(quoted.ok).toBe(false);
    expect(JSON.stringify(quoted)).toMatch(/queries\.0\.sql.*drop the quotes/);
    const param = parseConfig(parse(yaml('SELECT ?', `    parameters: ["'{{tags.Env}}'"]\n`)), {
      env: {},
      baseDir: '/base',
    });
    expect(param.ok).toBe(false);
    expect(JSON.stringify(param)).toMatch(/queries\.0\.parameters\.0/);
  });
});
