/**
 * Fills `?` placeholders outside string literals, quoted identifiers and comments with the
 * ExecutionParameters, which are SQL literal text; returns undefined when the counts differ.
 */
export function bindParameters(sql: string, params: readonly string[]): { sql: string; expected: number } {
  let out = '';
  let used = 0;
  let expected = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop + 1);
      i = stop;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length - 1 : end;
      out += sql.slice(i, stop + 1);
      i = stop;
    } else if (c === '?') {
      expected++;
      out += params[used] ?? '?';
      if (used < params.length) used++;
    } else out += c;
  }
  return { sql: out, expected };
}
