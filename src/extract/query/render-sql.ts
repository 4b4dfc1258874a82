import { misplacedMarkerMessage, templateMarkers } from '../../config/index.js';
import { FanoutError } from '../../errors.js';

/** What a unit's SQL may refer to as {{name}}; absent values render as NULL. */
export interface SqlVariables {
  accountId: string;
  accountName?: string;
  accountEmail?: string;
  region: string;
  /** YYYY-MM-DD (UTC) of the run's start. */
  runDate: string;
  runId: string;
  ouPath?: string;
  tags?: Record<string, string>;
  vars?: Record<string, string>;
  /** An incremental query's window, ISO 8601 in UTC: `{{since}}` (inclusive) and `{{until}}` (exclusive). */
  window?: { since: string; until: string };
}

/**
 * `{{since}}` / `{{until}}` as Athena compares them with a `timestamp` column: a TIMESTAMP literal in
 * UTC to the millisecond (`TIMESTAMP '2026-12-01 00:00:00.000'`), which Trino also compares with a
 * `date` or `timestamp(6)` column.
 */
export function timestampLiteral(iso: string): string {
  return `TIMESTAMP '${new Date(iso).toISOString().replace('T', ' ').replace('Z', '')}'`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A SQL string literal: the value between single quotes, each quote doubled. */
export function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function lookup(name: string, v: SqlVariables): string | undefined | null {
  const dot = name.indexOf('.');
  if (dot >= 0) {
    const [head, key] = [name.slice(0, dot), name.slice(dot + 1)];
    if (head === 'tags') return v.tags?.[key];
    if (head === 'vars') return v.vars && key in v.vars ? v.vars[key] : null;
    return null;
  }
  switch (name) {
    case 'accountId':
      return v.accountId;
    case 'accountName':
      return v.accountName;
    case 'accountEmail':
      return v.accountEmail;
    case 'region':
      return v.region;
    case 'runDate':
      return v.runDate;
    case 'runId':
      return v.runId;
    case 'ouPath':
      return v.ouPath;
    default:
      return null;
  }
}

/**
 * Fills {{name}} markers: values become quoted literals (quotes doubled), so no account name or tag can
 * end the literal and add SQL; {{id:name}} inserts an identifier, only if it is one (letters, digits,
 * _). Only markers in SQL code are filled, in one pass over the template (a value is never read again):
 * one inside a string literal, a quoted identifier or a comment is refused (config validation refuses
 * it first), since there a value could close the quotes or the comment. Unknown names are errors, never
 * silently empty. Do not put quotes around a marker yourself.
 */
export function renderSql(template: string, v: SqlVariables, queryName = ''): string {
  const context = { stage: 'query' as const, queryName, accountId: v.accountId };
  let out = '';
  let from = 0;
  for (const marker of templateMarkers(template)) {
    if (marker.context !== 'code') {
      throw new FanoutError(`Query ${queryName}: ${misplacedMarkerMessage(marker)}`, { context });
    }
    out += template.slice(from, marker.index) + fill(marker.name, marker.identifier, v, queryName);
    from = marker.index + marker.text.length;
  }
  return out + template.slice(from);
}

function fill(name: string, id: boolean, v: SqlVariables, queryName: string): string {
  const context = { stage: 'query' as const, queryName, accountId: v.accountId };
  if (name === 'since' || name === 'until') return windowBound(name, id, v, queryName);
  const value = lookup(name, v);
  if (value === null) {
    throw new FanoutError(
      `Query ${queryName}: unknown template variable {{${name}}} (known: accountId, accountName, accountEmail, region, runDate, runId, ouPath, since, until, tags.KEY, vars.NAME)`,
      { context },
    );
  }
  if (id) {
    if (value === undefined || !IDENTIFIER.test(value)) {
      throw new FanoutError(
        `Query ${queryName}: {{id:${name}}} is ${value === undefined ? 'not set' : JSON.stringify(value)}, not an identifier (letters, digits and _ only)`,
        { context },
      );
    }
    return value;
  }
  return value === undefined ? 'NULL' : sqlLiteral(value);
}

function windowBound(name: 'since' | 'until', id: boolean, v: SqlVariables, queryName: string): string {
  const context = { stage: 'query' as const, queryName, accountId: v.accountId };
  if (id) {
    throw new FanoutError(`Query ${queryName}: {{id:${name}}}: ${name} is a timestamp, not an identifier`, {
      context,
    });
  }
  if (!v.window) {
    throw new FanoutError(
      `Query ${queryName}: {{${name}}} is filled only for a query with incremental: { column, initial }`,
      { context },
    );
  }
  return timestampLiteral(v.window[name]);
}
