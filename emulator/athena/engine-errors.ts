import { userError, type AthenaErrorShape } from './shapes.js';

/** `LINE n: <text>` followed by a caret line: DuckDB's pointer at the offending token. */
function position(message: string): { line: number; column: number } | undefined {
  const lines = message.split('\n');
  for (let i = 0; i < lines.length - 1; i++) {
    const m = /^LINE (\d+): /.exec(lines[i]!);
    const caret = lines[i + 1]!.indexOf('^');
    if (m && caret >= 0) return { line: Number(m[1]), column: caret - m[0].length + 1 };
  }
  return undefined;
}

/** The (possibly qualified, possibly quoted) name starting at line:column of the SQL. */
function nameAt(sql: string, at: { line: number; column: number }): string | undefined {
  const text = sql.split('\n')[at.line - 1]?.slice(at.column - 1) ?? '';
  return /^(?:"[^"]*"|[\w$]+)(?:\s*\.\s*(?:"[^"]*"|[\w$]+))*/.exec(text)?.[0].replaceAll(/["\s]/g, '');
}

/**
 * DuckDB's binder and catalog errors in Athena's (Trino's) words, so a missing column or table reads
 * as it would from Athena: `COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved …` and
 * `TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.db.t' does not exist`. Other errors keep
 * DuckDB's words.
 */
export function engineError(message: string, sql: string, database: string | undefined): AthenaErrorShape {
  const at = position(message);
  const where = at ? `line ${at.line}:${at.column}: ` : '';
  const column = /Referenced column "?([^"\s]+)"? not found/.exec(message);
  if (column) {
    return userError(
      `COLUMN_NOT_FOUND: ${where}Column '${column[1]!}' cannot be resolved or requester is not authorized to access requested resources`,
    );
  }
  const table = /Table with name "?([^"\s!]+)"? does not exist/.exec(message);
  if (table) {
    const written = (at && nameAt(sql, at)) ?? table[1]!;
    const parts = written.toLowerCase().split('.');
    const qualified =
      parts.length >= 3
        ? parts.join('.')
        : parts.length === 2
          ? `awsdatacatalog.${parts.join('.')}`
          : `awsdatacatalog.${(database ?? 'default').toLowerCase()}.${parts[0]!}`;
    return userError(`TABLE_NOT_FOUND: ${where}Table '${qualified}' does not exist`);
  }
  return userError(message);
}
