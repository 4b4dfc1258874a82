import { randomUUID } from 'node:crypto';
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import type { S3Store } from '../s3.js';
import type { ObjectEncryption } from '../s3-sse.js';
import { athenaType } from './format.js';
import { userError, type AthenaErrorShape, type UnloadOutput, type UnloadSpec } from './shapes.js';

export const isUnload = (sql: string): boolean => /^\s*unload\s*\(/i.test(sql);

/** The index just past the `)` closing the `(` at `open`, skipping quotes and comments; -1 if none. */
function closingParen(sql: string, open: number): number {
  let depth = 0;
  for (let i = open; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

/** Parses an UNLOAD statement as Athena accepts it (PARQUET only here); a string is the error message. */
export function parseUnload(sql: string): UnloadSpec | string {
  const open = sql.indexOf('(');
  const close = closingParen(sql, open);
  if (close < 0) return 'line 1:1: mismatched input: UNLOAD needs (SELECT …)';
  const select = sql.slice(open + 1, close - 1).trim();
  if (!/^(select|with|values|\()/i.test(select)) {
    return `line 1:${open + 2}: UNLOAD accepts a SELECT query only`;
  }
  const rest = /^\s*to\s+'((?:[^']|'')*)'\s+with\s*\(([\s\S]*)\)\s*;?\s*$/i.exec(sql.slice(close));
  if (!rest) return "line 1:1: mismatched input: expected UNLOAD (query) TO 's3://…' WITH (format = …)";
  const location = rest[1]!.replaceAll("''", "'");
  if (!/^s3:\/\/[^/]+\//.test(location)) return `Invalid UNLOAD location: ${location}`;
  const props = new Map<string, string>();
  for (const part of rest[2]!.split(',')) {
    const m = /^\s*(\w+)\s*=\s*'([^']*)'\s*$/.exec(part);
    if (!m) return `line 1:1: unsupported UNLOAD property: ${part.trim()}`;
    props.set(m[1]!.toLowerCase(), m[2]!);
  }
  for (const key of props.keys()) {
    if (key !== 'format' && key !== 'compression') {
      return `The emulator's UNLOAD does not support the property ${key}`;
    }
  }
  const format = props.get('format')?.toUpperCase();
  if (format !== 'PARQUET')
    return `The emulator's UNLOAD writes format = 'PARQUET' only, not ${format ?? 'none'}`;
  // Athena's default compression for Parquet is GZIP.
  const compression = (props.get('compression') ?? 'GZIP').toLowerCase();
  if (!['snappy', 'gzip', 'zstd', 'none'].includes(compression)) {
    return `Unsupported compression for PARQUET: ${compression.toUpperCase()}`;
  }
  return {
    select,
    location: location.endsWith('/') ? location : `${location}/`,
    compression: compression === 'none' ? 'uncompressed' : (compression as UnloadSpec['compression']),
  };
}

/** Types Athena's Hive writer cannot store: the UNLOAD fails as it does there. */
const UNSUPPORTED: Record<string, string> = {
  'timestamp with time zone': 'timestamp(3) with time zone',
  time: 'time(3)',
  'interval day to second': 'interval day to second',
};

/**
 * The SELECT expression for one column: what Athena's Parquet writer would store for the type the
 * API reports (athenaType). timestamp(3) keeps milliseconds only; unsigned and huge integers become
 * the signed type or decimal(38,0) the API names; uuid and json are written as varchar.
 */
export function unloadColumn(name: string, t: DuckDBType): string {
  const col = `"${name.replaceAll('"', '""')}"`;
  const { type, precision, scale } = athenaType(t);
  const unsupported = UNSUPPORTED[type];
  if (unsupported !== undefined) throw new Error(`NOT_SUPPORTED: Unsupported Hive type: ${unsupported}`);
  switch (type) {
    case 'timestamp':
      return `date_trunc('millisecond', ${col}::TIMESTAMP) AS ${col}`;
    case 'varchar':
    case 'uuid':
    case 'json':
      return t.typeId === DuckDBTypeId.VARCHAR && !t.alias ? col : `${col}::VARCHAR AS ${col}`;
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'bigint':
      return `${col}::${type.toUpperCase()} AS ${col}`;
    case 'decimal':
      return `${col}::DECIMAL(${precision},${scale}) AS ${col}`;
    default:
      return col;
  }
}

function splitUrl(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url)!;
  return { bucket: m[1]!, key: m[2]! };
}

/** The TO location holds an object: Athena refuses to write there (Trino's HIVE_PATH_ALREADY_EXISTS). */
export function occupied(
  s3: S3Store,
  spec: UnloadSpec,
  database: string | undefined,
  id: string,
): AthenaErrorShape | undefined {
  const { bucket, key } = splitUrl(spec.location);
  if (!s3.keys(bucket).some((k) => k.startsWith(key))) return undefined;
  const dir = spec.location.slice(0, -1);
  const table = `${database ?? 'default'}.${id.replaceAll('-', '_')}`;
  return userError(
    `HIVE_PATH_ALREADY_EXISTS: Target directory for table '${table}' already exists: ${dir}. You may need to manually clean the data at location '${spec.location}' before retrying. Athena will not delete data in your account.`,
  );
}

/**
 * Places the parts under the TO location and writes `<id>-manifest.csv` (one part URL per line) and
 * `<id>.metadata` into the output location, as Athena does. Returns the manifest's URL.
 */
export function placeUnload(
  s3: S3Store,
  spec: UnloadSpec,
  output: UnloadOutput,
  outputPrefix: string,
  id: string,
  /** The result encryption in effect: Athena encrypts UNLOAD's parts and files with it too. */
  encryption?: ObjectEncryption,
): string {
  const { bucket, key } = splitUrl(spec.location);
  // Trino names parts <queryId>_<uuid>, without an extension.
  const stamp = new Date()
    .toISOString()
    .replace(/[-:T]/g, '')
    .slice(0, 15)
    .replace(/^(\d{8})/, '$1_');
  const urls = output.parts.map((body, i) => {
    const name = `${stamp}_${String(i).padStart(5, '0')}_${id.slice(0, 5)}_${randomUUID()}`;
    s3.put(bucket, `${key}${name}`, body, 'application/octet-stream', encryption);
    return `${spec.location}${name}`;
  });
  const out = splitUrl(outputPrefix);
  const manifest = `${outputPrefix}${id}-manifest.csv`;
  s3.put(
    out.bucket,
    `${out.key}${id}-manifest.csv`,
    Buffer.from(urls.map((u) => `${u}\n`).join(''), 'utf8'),
    'text/csv',
    encryption,
  );
  // Real Athena writes a binary descriptor here; readers only need it to exist.
  s3.put(
    out.bucket,
    `${out.key}${id}.metadata`,
    Buffer.from(JSON.stringify({ rows: output.rows }), 'utf8'),
    undefined,
    encryption,
  );
  return manifest;
}
