import type { Principal } from '../identity.js';
import type { RecordedQuery } from '../record.js';
import { ApiError } from '../protocol.js';
import type { ObjectEncryption } from '../s3-sse.js';
import type { AthenaErrorShape, QueryOutput, ResultEncryption, UnloadSpec } from './shapes.js';

/** One query execution as the emulator tracks it. */
export interface Execution {
  id: string;
  accountId: string;
  queryString: string;
  sql: string;
  parameters?: string[];
  database?: string;
  catalog?: string;
  workgroup: string;
  outputPrefix?: string;
  statementType: 'DML' | 'DDL' | 'UTILITY';
  /** Who started it and in which region: Athena reads table data under the caller's identity. */
  caller: Principal;
  region: string | undefined;
  /** `EXPLAIN [ANALYZE] <select>`: the plan, not the data. */
  explain?: { select: string; analyze: boolean };
  /** EXPLAIN: 0 bytes scanned; EXPLAIN ANALYZE: what running the statement scanned. */
  explainScanned?: number;
  /** ResultConfiguration.EncryptionConfiguration in effect, and how S3 then stores the results. */
  encryption?: ResultEncryption;
  objectEncryption?: ObjectEncryption;
  /** The workgroup's BytesScannedCutoffPerQuery. */
  bytesScannedCutoff?: number;
  state: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  reason?: string;
  error?: AthenaErrorShape;
  submittedAt: number;
  runningAt?: number;
  completedAt?: number;
  result?: QueryOutput;
  /** An UNLOAD statement: where its Parquet goes. */
  unload?: UnloadSpec;
  /** UNLOAD: rows written (GetQueryResults' UpdateCount) and the manifest listing the parts. */
  updateCount?: number;
  manifest?: string;
  dataScanned: number;
  rec: RecordedQuery;
}

export const invalid = (message: string): ApiError =>
  new ApiError('InvalidRequestException', message, 400, { AthenaErrorCode: 'INVALID_INPUT' });
const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

export function outputFile(ex: Execution): string {
  // UNLOAD writes no result file; its output location names none either.
  if (ex.unload) return `${ex.outputPrefix!}${ex.id}`;
  return `${ex.outputPrefix!}${ex.id}.${ex.statementType === 'DDL' ? 'txt' : 'csv'}`;
}

/** The QueryExecution shape of GetQueryExecution / BatchGetQueryExecution. */
export function describeExecution(ex: Execution): unknown {
  const done = ex.completedAt !== undefined;
  return {
    QueryExecutionId: ex.id,
    Query: ex.queryString,
    StatementType: ex.statementType,
    SubstatementType:
      ex.statementType === 'DDL'
        ? ex.queryString.trim().split(/\s+/)[0]!.toUpperCase()
        : ex.explain
          ? ex.explain.analyze
            ? 'EXPLAIN_ANALYZE'
            : 'EXPLAIN'
          : ex.unload
            ? 'UNLOAD'
            : 'SELECT',
    ResultConfiguration: {
      OutputLocation: outputFile(ex),
      ...(ex.encryption === undefined ? {} : { EncryptionConfiguration: ex.encryption }),
    },
    ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
    QueryExecutionContext: { Database: ex.database, Catalog: ex.catalog },
    Status: {
      State: ex.state,
      StateChangeReason: ex.reason,
      SubmissionDateTime: seconds(ex.submittedAt),
      CompletionDateTime: seconds(ex.completedAt),
      AthenaError: ex.error,
    },
    Statistics: {
      EngineExecutionTimeInMillis:
        ex.runningAt === undefined ? 0 : (ex.completedAt ?? Date.now()) - ex.runningAt,
      DataScannedInBytes: ex.dataScanned,
      DataManifestLocation: ex.manifest,
      TotalExecutionTimeInMillis: (ex.completedAt ?? Date.now()) - ex.submittedAt,
      QueryQueueTimeInMillis: (ex.runningAt ?? Date.now()) - ex.submittedAt,
      QueryPlanningTimeInMillis: 0,
      ServiceProcessingTimeInMillis: done ? 0 : undefined,
      ResultReuseInformation: { ReusedPreviousResult: false },
    },
    WorkGroup: ex.workgroup,
    EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
    ExecutionParameters: ex.parameters,
  };
}

/** One GetQueryResults page: header row first on the first page, NULL as a Datum without VarCharValue. */
export function resultsPage(ex: Execution, input: Record<string, unknown>): unknown {
  const max = input.MaxResults === undefined ? 1000 : Number(input.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw invalid(
      `1 validation error detected: Value '${String(input.MaxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value ${max < 1 ? 'greater than or equal to 1' : 'less than or equal to 1000'}`,
    );
  }
  if (ex.state === 'QUEUED' || ex.state === 'RUNNING')
    throw invalid(`Query has not yet finished. Current state: ${ex.state}`);
  if (ex.state !== 'SUCCEEDED' || !ex.result) {
    throw invalid(
      `Query did not finish successfully. Final query state: ${ex.state}${ex.reason ? `. ${ex.reason}` : ''}`,
    );
  }
  let offset = 0;
  if (typeof input.NextToken === 'string') {
    const [id, at] = Buffer.from(input.NextToken, 'base64url').toString('utf8').split(':');
    offset = Number(at);
    if (id !== ex.id || !Number.isInteger(offset) || offset < 0)
      throw invalid('The NextToken provided is invalid');
  }
  const out = ex.result;
  // UNLOAD answers no rows and no columns, only how many rows it wrote.
  if (ex.unload)
    return {
      UpdateCount: ex.updateCount ?? 0,
      ResultSet: { Rows: [], ResultSetMetadata: { ColumnInfo: [] } },
    };
  const dataRows = out.rows.map((r) => ({ Data: r.map((v) => (v === null ? {} : { VarCharValue: v })) }));
  const rows =
    ex.statementType === 'DDL'
      ? dataRows
      : [{ Data: out.columns.map((c) => ({ VarCharValue: c.name })) }, ...dataRows];
  const page = rows.slice(offset, offset + max);
  const next =
    offset + max < rows.length ? Buffer.from(`${ex.id}:${offset + max}`).toString('base64url') : undefined;
  return {
    UpdateCount: 0,
    ResultSet: {
      Rows: page,
      ResultSetMetadata: {
        ColumnInfo: out.columns.map((c) => ({
          CatalogName: 'hive',
          SchemaName: '',
          TableName: '',
          Name: c.name,
          Label: c.name,
          Type: c.type,
          Precision: c.precision,
          Scale: c.scale,
          Nullable: 'UNKNOWN',
          CaseSensitive: c.caseSensitive,
        })),
      },
    },
    NextToken: next,
  };
}
