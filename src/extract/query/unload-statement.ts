import { FanoutError } from '../../errors.js';

/** Where one unit's UNLOAD writes: unique per run, query, account, region and attempt. */
export interface UnloadTarget {
  runId: string;
  queryName: string;
  accountId: string;
  region: string;
  attempt: number;
  /** The process's nonce (see `clientRequestToken`): a resumed run never writes where an earlier process did. */
  nonce?: string;
}

/** `<base>athena-fanout-unload/<runId>/<query>/<account>/<region>/<attempt>[-<nonce>]/`. */
export function unloadPrefix(base: string, t: UnloadTarget): string {
  const root = base.endsWith('/') ? base : `${base}/`;
  const safe = (s: string) => s.replace(/[^\w.-]/g, '_');
  return `${root}athena-fanout-unload/${safe(t.runId)}/${safe(t.queryName)}/${t.accountId}/${t.region}/${t.attempt}${t.nonce === undefined ? '' : `-${safe(t.nonce)}`}/`;
}

/**
 * The query's SQL without leading and trailing comments, whitespace and `;`, checked to be one
 * SELECT (or WITH … SELECT, VALUES, or a parenthesised query): UNLOAD wraps nothing else.
 */
function singleQuery(sql: string, queryName: string): string {
  const fail = (why: string) =>
    new FanoutError(
      `Query ${queryName}: fetch: unload needs a single SELECT query to wrap in UNLOAD; ${why}`,
      {
        context: { stage: 'query', queryName },
      },
    );
  let body = sql;
  for (let before = ''; before !== body;) {
    before = body;
    body = body.replace(/^\s+|^--[^\n]*(\n|$)|^\/\*[\s\S]*?\*\//, '');
  }
  const end = endOfStatement(body);
  if (end < body.length) {
    const after = body.slice(end + 1).replace(/\s+|--[^\n]*|\/\*[\s\S]*?\*\//g, '');
    if (after.replace(/;/g, '') !== '') throw fail('it holds more than one statement');
  }
  body = body.slice(0, end).trimEnd();
  if (!/^(select|with|values|\()/i.test(body)) {
    const word = /^\S+/.exec(body)?.[0] ?? '';
    throw fail(`it starts with ${JSON.stringify(word.slice(0, 40))}`);
  }
  return body;
}

/** Index of the first `;` outside quotes and comments, or the length. */
function endOfStatement(sql: string): number {
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      i = end < 0 ? sql.length : end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === ';') return i;
  }
  return sql.length;
}

/**
 * `UNLOAD (<sql>) TO '<prefix>' WITH (format = 'PARQUET', compression = 'ZSTD')`. The query stands on
 * lines of its own so that a trailing `--` comment cannot swallow the closing parenthesis.
 */
export function unloadStatement(sql: string, prefix: string, queryName: string): string {
  const query = singleQuery(sql, queryName);
  return `UNLOAD (\n${query}\n) TO '${prefix.replaceAll("'", "''")}' WITH (format = 'PARQUET', compression = 'ZSTD')`;
}
