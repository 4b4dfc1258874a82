import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig, parseInstant } from '../../src/config/index.js';
import { FanoutError } from '../../src/errors.js';
import { renderSql, type SqlVariables } from '../../src/extract/index.js';

const config = (query: string, sink = '{ type: parquet, path: out/q.parquet }') => `version: 1
region: eu-west-1
auth: { accountRoleChain: ['arn:aws:iam::<accountId>:role/R'] }
accounts: { source: list, ids: ['111111111111'] }
athena: { outputLocation: 's3://bucket-x/p/' }
queries:
  - name: q
${query}
sinks:
  - ${sink}
`;

function load(yaml: string) {
  return parseConfig(parse(yaml), { env: {}, baseDir: '/base' });
}

/** The problems of a config that must not load, as `field: message` lines. */
function problems(yaml: string): string[] {
  const r = load(yaml);
  if (r.ok) throw new Error('expected the config to be refused');
  return r.issues.map((i) => `${i.path}: ${i.message}`);
}

const WINDOWED = `    sql: SELECT * FROM events WHERE ts >= {{since}} AND ts < {{until}}`;

describe('incremental: { column, initial }', () => {
  it('loads, with initial normalised to UTC (no zone: UTC)', () => {
    for (const [initial, iso] of [
      ['2026-01-01', '2026-01-01T00:00:00.000Z'],
      ['2026-01-01T10:30:00+02:00', '2026-01-01T08:30:00.000Z'],
      ['2026-01-01 10:30:05.5', '2026-01-01T10:30:05.500Z'],
    ]) {
      const r = load(config(`${WINDOWED}\n    incremental: { column: ts, initial: '${initial}' }`));
      expect(r.ok, JSON.stringify(r)).toBe(true);
      if (r.ok) expect(r.config.queries[0]!.incremental).toEqual({ column: 'ts', initial: iso });
    }
  });

  it('refuses an initial that is no instant, naming the field', () => {
    expect(problems(config(`${WINDOWED}\n    incremental: { column: ts, initial: yesterday }`))).toEqual([
      expect.stringMatching(/^queries\.0\.incremental\.initial: expected a date or an ISO 8601/),
    ]);
    expect(
      problems(config(`${WINDOWED}\n    incremental: { column: ts, initial: '2026-02-30' }`))[0],
    ).toMatch(/^queries\.0\.incremental\.initial:/);
    expect(parseInstant('2026-13-01')).toBeUndefined();
  });

  it('{{since}} without incremental, and incremental without {{since}}, are config errors', () => {
    expect(problems(config(WINDOWED))).toEqual([
      expect.stringMatching(/^queries\.0\.sql: \{\{since\}\} is filled only for an incremental query/),
    ]);
    expect(
      problems(
        config(`    sql: SELECT * FROM events\n    incremental: { column: ts, initial: '2026-01-01' }`),
      ),
    ).toEqual([
      expect.stringMatching(/^queries\.0\.incremental: the SQL does not use \{\{since\}\}/),
      expect.stringMatching(/^queries\.0\.incremental\.column: column ts does not appear in the SQL/),
    ]);
    expect(problems(config(`${WINDOWED}\n    incremental: { initial: '2026-01-01' }`))[0]).toMatch(
      /^queries\.0\.incremental\.column:/,
    );
  });

  it('{{since}} in parameters counts, and {{id:since}} is refused', () => {
    const params = `    sql: SELECT * FROM events WHERE ts >= ?\n    parameters: ['{{since}}']`;
    expect(load(config(`${params}\n    incremental: { column: ts, initial: '2026-01-01' }`)).ok).toBe(true);
    expect(problems(config(params))[0]).toMatch(/^queries\.0\.parameters:/);
    const id = `    sql: SELECT * FROM events WHERE ts >= {{since}} AND {{id:until}} > 0`;
    expect(problems(config(`${id}\n    incremental: { column: ts, initial: '2026-01-01' }`))).toEqual([
      expect.stringMatching(/^queries\.0\.sql: \{\{id:until\}\}: since and until are timestamps/),
    ]);
  });
});

describe('renderSql: {{since}} and {{until}}', () => {
  const vars: SqlVariables = {
    accountId: '111111111111',
    region: 'eu-west-1',
    runDate: '2026-12-03',
    runId: 'r',
  };
  it('render as TIMESTAMP literals in UTC to the millisecond', () => {
    const sql = renderSql(
      'SELECT * FROM t WHERE ts >= {{since}} AND ts < {{until}}',
      { ...vars, window: { since: '2026-01-01T00:00:00.000Z', until: '2026-12-03T19:14:03.042Z' } },
      'q',
    );
    expect(sql).toBe(
      "SELECT * FROM t WHERE ts >= TIMESTAMP '2026-01-01 00:00:00.000' AND ts < TIMESTAMP '2026-12-03 19:14:03.042'",
    );
  });
  it('without a window (not incremental) they are an error naming the query', () => {
    expect(() => renderSql('SELECT {{since}}', vars, 'q')).toThrow(FanoutError);
    expect(() => renderSql('SELECT {{until}}', vars, 'q')).toThrow(/Query q: \{\{until\}\} is filled only/);
  });
});

describe('sinks: mode append', () => {
  const q = '    sql: SELECT 1';
  it('loads with its defaults: partitioned by run date, every partition kept', () => {
    const r = load(config(q, '{ type: parquet, path: out, layout: partitioned, mode: append }'));
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (r.ok) expect(r.config.sinks[0]!.append).toEqual({ partitionBy: 'runDate' });
    const kept = load(
      config(
        q,
        '{ type: ndjson, path: out, layout: partitioned, mode: append, partitionBy: runId, retention: 3 }',
      ),
    );
    if (kept.ok) expect(kept.config.sinks[0]!.append).toEqual({ partitionBy: 'runId', retention: 3 });
    else throw new Error(JSON.stringify(kept));
  });
  it('a replace sink has no append', () => {
    const r = load(config(q, '{ type: parquet, path: out, layout: partitioned }'));
    if (r.ok) expect(r.config.sinks[0]!.append).toBeUndefined();
    else throw new Error(JSON.stringify(r));
  });
  it('refuses append on a merged sink, partitionBy or retention without append, and a bad retention', () => {
    expect(problems(config(q, '{ type: parquet, path: out/q.parquet, mode: append }'))).toEqual([
      expect.stringMatching(/^sinks\.0\.mode: append needs layout: partitioned/),
    ]);
    expect(problems(config(q, '{ type: parquet, path: out, layout: partitioned, retention: 2 }'))).toEqual([
      'sinks.0.retention: only with mode: append',
    ]);
    expect(
      problems(config(q, '{ type: parquet, path: out, layout: partitioned, mode: append, retention: 0 }'))[0],
    ).toMatch(/^sinks\.0\.retention: expected a whole number of partitions/);
    expect(
      problems(
        config(q, '{ type: parquet, path: out, layout: partitioned, mode: append, partitionBy: day }'),
      )[0],
    ).toMatch(/^sinks\.0\.partitionBy: expected runDate or runId/);
  });
});
