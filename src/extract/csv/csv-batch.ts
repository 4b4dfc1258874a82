import type { RecordBatch, Schema } from 'apache-arrow';
import { FanoutError } from '../../errors.js';
import {
  CsvFormatError,
  type CsvRows,
  fieldText,
  parseCsvPiece,
  type ScanScratch,
} from './athena-csv-parser.js';
import { type BatchContext, buildBatchFromColumns, resultError } from '../columns/build-record-batch.js';
import type { ExtraColumn } from '../columns/schema-for-columns.js';
import { csvColumn } from './csv-column.js';

/** What turns parsed records of one result file into its batches. */
export interface CsvBatchSpec {
  schema: Schema;
  /** The result columns the header must repeat. */
  names: readonly string[];
  extra: readonly ExtraColumn[];
  ctx: BatchContext;
  /** Named in error messages. */
  file: string;
}

/**
 * Parsed records → one RecordBatch (undefined when they are only the header). `header`: the first
 * record is the file's header, checked against the result columns and skipped.
 */
export function csvRowsToBatch(rows: CsvRows, header: boolean, spec: CsvBatchSpec): RecordBatch | undefined {
  const skip = header ? 1 : 0;
  if (header) checkHeader(rows, spec);
  if (rows.rows - skip === 0) return undefined;
  // Data row numbers, as GetQueryResults would count them: the header is not a row.
  const firstRow = rows.firstRecord + skip - 1;
  return buildBatchFromColumns(
    spec.schema,
    rows.rows - skip,
    (c) => csvColumn(rows, c, skip),
    firstRow,
    spec.extra,
    spec.ctx,
  );
}

/** A piece of whole records (see RecordSplitter) → its batch, and how many records it held. */
export function decodeCsvPiece(
  piece: Buffer,
  header: boolean,
  firstRecord: number,
  spec: CsvBatchSpec,
  scratch?: ScanScratch,
): { batch: RecordBatch | undefined; records: number } {
  const rows = parseCsvPiece(piece, spec.names.length, firstRecord, scratch);
  if (!rows) return { batch: undefined, records: 0 };
  return { batch: csvRowsToBatch(rows, header, spec), records: rows.rows };
}

/** A reader's malformed-CSV error in the words of every other result error (record → data row). */
export function csvFormatError(err: unknown, spec: Pick<CsvBatchSpec, 'ctx' | 'file'>): unknown {
  if (!(err instanceof CsvFormatError)) return err;
  return resultError(spec.ctx, err.record - 1, undefined, `malformed CSV in ${spec.file}: ${err.message}`);
}

export function emptyFileError(spec: Pick<CsvBatchSpec, 'ctx' | 'file'>): FanoutError {
  return resultError(spec.ctx, undefined, undefined, `result file ${spec.file} is empty (no header row)`);
}

function checkHeader(rows: CsvRows, spec: CsvBatchSpec): void {
  const { names } = spec;
  const header = names.map((_, c) => fieldText(rows, c) ?? '');
  if (header.every((h, i) => h === names[i])) return;
  throw resultError(
    spec.ctx,
    undefined,
    undefined,
    `the header of ${spec.file} (${header.join(', ')}) does not match the result columns (${names.join(', ')})`,
  );
}
