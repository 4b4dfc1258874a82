import type { Row } from '@aws-sdk/client-athena';
import {
  type Data,
  DataType,
  Field,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  type Timestamp,
  Type as DataTypeName,
} from 'apache-arrow';
import { FanoutError } from '../../errors.js';
import { buildColumn, buildConstant, type TextColumn } from './build-column.js';
import { ATHENA_TYPE_KEY, type ExtraColumn } from './schema-for-columns.js';

export interface BatchContext {
  accountId?: string;
  queryName?: string;
  queryExecutionId?: string;
}

/**
 * Rows (without the header) → one RecordBatch of `schema`, whose first fields are the extra columns;
 * a timestamp field takes the finer unit its values need (see timestampTypeForDigits).
 * `firstRowNumber` is the 1-based number of rows[0] within the whole result, for error messages.
 */
export function buildRecordBatch(
  schema: Schema,
  rows: readonly Row[],
  firstRowNumber: number,
  extra: readonly ExtraColumn[] = [],
  ctx: BatchContext = {},
): RecordBatch {
  const resultColumns = schema.fields.length - extra.length;
  for (let i = 0; i < rows.length; i++) {
    const got = rows[i]!.Data?.length ?? 0;
    if (got !== resultColumns) {
      throw resultError(ctx, firstRowNumber + i, undefined, `has ${got} values, expected ${resultColumns}`);
    }
  }
  return buildBatchFromColumns(schema, rows.length, (c) => rowsColumn(rows, c), firstRowNumber, extra, ctx);
}

/**
 * The same for any source of text columns (GetQueryResults rows, CSV records): every path goes through
 * the same parsers, so the same result gives the same Arrow values whichever way it was fetched.
 */
export function buildBatchFromColumns(
  schema: Schema,
  length: number,
  column: (index: number) => TextColumn,
  firstRowNumber: number,
  extra: readonly ExtraColumn[] = [],
  ctx: BatchContext = {},
): RecordBatch {
  const resultColumns = schema.fields.length - extra.length;
  const children: Data[] = extra.map((e, i) =>
    buildConstant((schema.fields[i] as Field<DataType>).type, e.value, length),
  );
  for (let c = 0; c < resultColumns; c++) {
    const field = schema.fields[extra.length + c] as Field<DataType>;
    const typeName = field.metadata.get(ATHENA_TYPE_KEY) ?? DataTypeName[field.type.typeId];
    children.push(
      buildColumn(field.type, column(c), (index, text, reason) => {
        const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
        throw resultError(
          ctx,
          firstRowNumber + index,
          field.name,
          `value ${JSON.stringify(shown)} is not a valid ${typeName}: ${reason}`,
          text,
        );
      }),
    );
  }
  // A timestamp column may come out finer than declared (its values carry more digits): say so.
  const finer = (c: Data, i: number) =>
    DataType.isTimestamp(c.type) && c.type.unit !== (schema.fields[i]!.type as Timestamp).unit;
  const batchSchema = children.some(finer)
    ? new Schema(
        schema.fields.map((f, i) =>
          finer(children[i]!, i) ? new Field(f.name, children[i]!.type, f.nullable, f.metadata) : f,
        ),
        schema.metadata,
      )
    : schema;
  const data = makeData({ type: new Struct(batchSchema.fields), length, nullCount: 0, children });
  return new RecordBatch(batchSchema, data);
}

export function resultError(
  ctx: BatchContext,
  row: number | undefined,
  column: string | undefined,
  problem: string,
  value?: string,
): FanoutError {
  const where = [
    ctx.accountId === undefined ? undefined : `account ${ctx.accountId}`,
    ctx.queryName === undefined ? undefined : `query ${ctx.queryName}`,
    row === undefined ? undefined : `row ${row}`,
    column === undefined ? undefined : `column ${column}`,
  ]
    .filter((s) => s !== undefined)
    .join(', ');
  return new FanoutError(`Bad query result (${where}): ${problem}`, {
    context: {
      stage: 'results',
      ...ctx,
      ...(row === undefined ? {} : { row }),
      ...(column === undefined ? {} : { column }),
      ...(value === undefined ? {} : { value }),
    },
  });
}

/** Column `column` of GetQueryResults rows: a Datum without VarCharValue is NULL. */
function rowsColumn(rows: readonly Row[], column: number): TextColumn {
  return {
    length: rows.length,
    text: (i) => rows[i]!.Data![column]!.VarCharValue,
  };
}

/** The error a read stopped by its abort signal ends with. */
export function cancelled(ctx: BatchContext, cause: unknown): FanoutError {
  return new FanoutError('Reading query results was cancelled', {
    cause,
    context: { stage: 'results', ...ctx, cancelled: true },
  });
}
