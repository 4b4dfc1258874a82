import type { S3Store } from '../s3.js';
import type { FailQuery } from '../scenario.js';
import type { Execution } from './execution.js';
import { csvLine } from './format.js';
import type { AthenaErrorShape, QueryOutput, UnloadOutput } from './shapes.js';
import { occupied, placeUnload } from './unload.js';

/** The scenario's failQueries rule this query trips, counting `times` per rule. */
export function injectedFailure(
  rules: readonly FailQuery[],
  failCounts: Map<number, number>,
  ex: Execution,
): AthenaErrorShape | undefined {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (!ex.sql.toLowerCase().includes(rule.match.toLowerCase())) continue;
    if (rule.accounts && !rule.accounts.includes(ex.accountId)) continue;
    const used = failCounts.get(i) ?? 0;
    if (rule.times !== undefined && used >= rule.times) continue;
    failCounts.set(i, used + 1);
    return {
      ErrorCategory: rule.category,
      ErrorType: rule.errorType,
      Retryable: rule.retryable,
      ErrorMessage: rule.message,
    };
  }
  return undefined;
}

/** Writes the result file(s) into the output location as Athena does and sets DataScannedInBytes. */
export function writeResult(s3: S3Store, ex: Execution, out: QueryOutput): void {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(ex.outputPrefix!)!;
  const [bucket, prefix] = [m[1]!, m[2]!];
  if (ex.statementType === 'DDL') {
    const text = out.rows.map((r) => `${r.map((v) => v ?? '').join('\t')}\n`).join('');
    s3.put(bucket, `${prefix}${ex.id}.txt`, Buffer.from(text, 'utf8'), 'text/plain', ex.objectEncryption);
    ex.dataScanned = 0;
    return;
  }
  const csv = csvLine(out.columns.map((c) => c.name)) + out.rows.map(csvLine).join('');
  const body = Buffer.from(csv, 'utf8');
  s3.put(bucket, `${prefix}${ex.id}.csv`, body, 'text/csv', ex.objectEncryption);
  // Real Athena writes a binary descriptor here; readers only need it to exist beside the CSV.
  s3.put(
    bucket,
    `${prefix}${ex.id}.csv.metadata`,
    Buffer.from(JSON.stringify(out.columns), 'utf8'),
    undefined,
    ex.objectEncryption,
  );
  ex.dataScanned = body.length;
}

/**
 * An UNLOAD's parts go under its TO location unless something is already there (then the query fails
 * as Athena's does); the manifest and metadata go to the output location. Data scanned: the Parquet
 * bytes, the emulator's stand-in as the CSV bytes are for SELECT. With an injected `failure` the
 * parts are written all the same and the query then fails: Athena leaves such orphans behind.
 */
export function writeUnload(
  s3: S3Store,
  ex: Execution,
  out: UnloadOutput,
  failure?: AthenaErrorShape,
): AthenaErrorShape | undefined {
  const spec = ex.unload!;
  const refused = occupied(s3, spec, ex.database, ex.id);
  if (refused) return refused;
  ex.manifest = placeUnload(s3, spec, out, ex.outputPrefix!, ex.id, ex.objectEncryption);
  if (failure) return failure;
  ex.updateCount = out.rows;
  ex.result = { columns: [], rows: [] };
  ex.dataScanned = out.parts.reduce((n, p) => n + p.length, 0);
  return undefined;
}
