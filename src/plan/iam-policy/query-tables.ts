import { tableReferences, templateMarkers, type QueryConfig } from '../../config/index.js';

/** Stands in for an identifier marker the config can't fill; becomes `*` in every name it touches. */
const UNKNOWN = 'zzathenafanoutunknownzz';

export interface QueryTable {
  /** Lowercased, as Athena and Glue store names; `*` where a template marker decides per account. */
  catalog: string;
  database: string;
  table: string;
}

/**
 * `sql` as a run renders it, as far as the config knows: `{{id:vars.NAME}}` takes its value, any other
 * identifier marker (tags, account name) a stand-in that becomes a wildcard, value markers `NULL` (they
 * are literals, never table names).
 */
export function renderForPolicies(sql: string, vars: Record<string, string>): string {
  let out = '';
  let from = 0;
  for (const m of templateMarkers(sql)) {
    if (m.context !== 'code') continue;
    const known = m.name.startsWith('vars.') ? vars[m.name.slice('vars.'.length)] : undefined;
    out += sql.slice(from, m.index) + (m.identifier ? (known ?? UNKNOWN) : 'NULL');
    from = m.index + m.text.length;
  }
  return out + sql.slice(from);
}

/** The tables `q` reads, from its SQL rendered with `render` (per account) or as far as the config knows. */
export function queryTables(q: QueryConfig, renderedSql: string): QueryTable[] {
  const wild = (name: string) => (name.includes(UNKNOWN) ? name.replaceAll(UNKNOWN, '*') : name);
  return tableReferences(renderedSql, { catalog: q.catalog, database: q.database }).map((t) => ({
    catalog: wild(t.catalog),
    database: wild(t.database),
    table: wild(t.table),
  }));
}

export const isGlueCatalogName = (catalog: string): boolean => catalog.toLowerCase() === 'awsdatacatalog';
