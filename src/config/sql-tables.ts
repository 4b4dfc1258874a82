/**
 * The tables a (rendered) Athena query reads, for what must be granted and checked before it runs:
 * IAM statements for Glue, S3 data and KMS (`iam-policy`), and `plan --check-access`. A scanner, not
 * a parser: it follows FROM and JOIN items, skipping subqueries, table functions (UNNEST) and the
 * query's own CTE names. SQL it can't follow yields fewer tables, never invented ones.
 */

export interface TableReference {
  /** Lowercased, as Athena and Glue store names. */
  catalog: string;
  database: string;
  table: string;
}

type Token = { kind: 'ident'; text: string; quoted: boolean } | { kind: 'punct'; text: string };

/** Words after a FROM item that end it rather than alias it. */
const NOT_ALIAS = new Set(
  (
    'where group order limit join left right inner full outer cross natural on using union except ' +
    'intersect having window offset fetch tablesample for select with as lateral'
  ).split(' '),
);

/** Where the quoted text or comment at `i` ends, or -1 when `i` starts none. */
function skipQuotedOrComment(sql: string, i: number): number {
  const c = sql[i];
  if (c === "'") return closing(sql, i, "'");
  if (c === '-' && sql[i + 1] === '-') {
    const nl = sql.indexOf('\n', i);
    return nl < 0 ? sql.length : nl + 1;
  }
  if (c === '/' && sql[i + 1] === '*') {
    const close = sql.indexOf('*/', i + 2);
    return close < 0 ? sql.length : close + 2;
  }
  return -1;
}

function closing(sql: string, from: number, quote: string): number {
  for (let j = from + 1; j < sql.length; j++) {
    if (sql[j] !== quote) continue;
    if (sql[j + 1] === quote) j++;
    else return j + 1;
  }
  return sql.length;
}

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const skipped = skipQuotedOrComment(sql, i);
    if (skipped >= 0) {
      i = skipped;
      continue;
    }
    const c = sql[i]!;
    if (c === '"' || c === '`') {
      const end = closing(sql, i, c);
      const inner = sql.slice(i + 1, end - 1).replaceAll(c + c, c);
      tokens.push({ kind: 'ident', text: inner, quoted: true });
      i = end;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][\w$]*/.exec(sql.slice(i, i + 256))!;
      tokens.push({ kind: 'ident', text: m[0], quoted: false });
      i += m[0].length;
    } else if (/[\d]/.test(c)) {
      i += /^[\d.eE]+/.exec(sql.slice(i, i + 64))![0].length;
    } else {
      if (!/\s/.test(c)) tokens.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return tokens;
}

const isWord = (t: Token | undefined, word: string): boolean =>
  t?.kind === 'ident' && !t.quoted && t.text.toLowerCase() === word;
const isPunct = (t: Token | undefined, p: string): boolean => t?.kind === 'punct' && t.text === p;

/** Index just past the parenthesised group opening at `i`. */
function skipGroup(tokens: Token[], i: number): number {
  let depth = 0;
  for (let j = i; j < tokens.length; j++) {
    if (isPunct(tokens[j], '(')) depth++;
    else if (isPunct(tokens[j], ')') && --depth === 0) return j + 1;
  }
  return tokens.length;
}

/** Names the query defines itself (`WITH name [(cols)] AS (…)`), which are not catalog tables. */
function cteNames(tokens: Token[]): Set<string> {
  const names = new Set<string>();
  tokens.forEach((t, i) => {
    const prev = tokens[i - 1];
    if (t.kind !== 'ident' || !(isWord(prev, 'with') || isWord(prev, 'recursive') || isPunct(prev, ',')))
      return;
    let j = i + 1;
    if (isPunct(tokens[j], '(')) j = skipGroup(tokens, j);
    if (isWord(tokens[j], 'as') && isPunct(tokens[j + 1], '(')) names.add(t.text.toLowerCase());
  });
  return names;
}

/** One FROM/JOIN item at `i`: its dotted name (none for subqueries and table functions) and its end. */
function fromItem(tokens: Token[], i: number): { name?: string[]; next: number } {
  if (isPunct(tokens[i], '(')) return { next: skipGroup(tokens, i) };
  const parts: string[] = [];
  let j = i;
  while (tokens[j]?.kind === 'ident') {
    parts.push(tokens[j]!.text.toLowerCase());
    if (!isPunct(tokens[j + 1], '.')) break;
    j += 2;
  }
  if (parts.length === 0) return { next: i };
  j++;
  if (isPunct(tokens[j], '(')) return { next: skipGroup(tokens, j) }; // UNNEST(…), TABLE(…)
  return { name: parts, next: j };
}

/** Past an item's alias (`AS x`, `x`, `x (a, b)`), if any. */
function skipAlias(tokens: Token[], i: number): number {
  let j = i;
  if (isWord(tokens[j], 'as')) j++;
  const t = tokens[j];
  if (t?.kind === 'ident' && (t.quoted || !NOT_ALIAS.has(t.text.toLowerCase()))) {
    j++;
    if (isPunct(tokens[j], '(')) j = skipGroup(tokens, j);
  }
  return j;
}

/** Functions whose arguments use FROM for a value: `extract(year FROM ts)`, `trim(both FROM s)`. */
const FROM_FUNCTIONS = new Set(['extract', 'substring', 'trim', 'position', 'overlay']);

/** FROM tokens that name a value, not a table: in those functions, and `IS [NOT] DISTINCT FROM`. */
function valueFroms(tokens: Token[]): Set<number> {
  const out = new Set<number>();
  const calls: boolean[] = [];
  tokens.forEach((t, i) => {
    const prev = tokens[i - 1];
    if (isPunct(t, '(')) {
      calls.push(prev?.kind === 'ident' && !prev.quoted && FROM_FUNCTIONS.has(prev.text.toLowerCase()));
    } else if (isPunct(t, ')')) calls.pop();
    else if (isWord(t, 'from') && (calls.at(-1) === true || isWord(prev, 'distinct'))) out.add(i);
  });
  return out;
}

/**
 * Every distinct table `sql` reads, with unqualified names resolved against the query's catalog and
 * database (Athena's defaults: `awsdatacatalog`, `default`).
 */
export function tableReferences(
  sql: string,
  defaults: { catalog?: string | undefined; database?: string | undefined } = {},
): TableReference[] {
  const tokens = tokenize(sql);
  const ctes = cteNames(tokens);
  const catalog = (defaults.catalog ?? 'awsdatacatalog').toLowerCase();
  const database = (defaults.database ?? 'default').toLowerCase();
  const found = new Map<string, TableReference>();
  const add = (parts: string[]): void => {
    if (parts.length === 1 && ctes.has(parts[0]!)) return;
    if (parts.length > 3) return;
    const [table, db = database, cat = catalog] = [...parts].reverse() as [string, string?, string?];
    found.set(`${cat}.${db}.${table}`, { catalog: cat, database: db, table });
  };
  const notTables = valueFroms(tokens);
  tokens.forEach((t, i) => {
    const from = isWord(t, 'from');
    if ((!from && !isWord(t, 'join')) || notTables.has(i)) return;
    let j = i + 1;
    for (;;) {
      const item = fromItem(tokens, j);
      if (item.name) add(item.name);
      j = skipAlias(tokens, item.next);
      if (!from || !isPunct(tokens[j], ',')) break;
      j++;
    }
  });
  return [...found.values()];
}
