import type { ColumnInfo } from '@aws-sdk/client-athena';
import { Field, Schema, TimeUnit, Timestamp, Utf8 } from 'apache-arrow';
import { FanoutError } from '../../errors.js';
import { arrowTypeForColumn } from './arrow-type-for-column.js';

/** A constant text column put in front of the query's own columns, e.g. `account_id`. */
/** Field metadata key holding the Athena type a column came from, e.g. `decimal(38,9)`. */
export const ATHENA_TYPE_KEY = 'athena.type';

export interface ExtraColumn {
  name: string;
  /** Undefined: NULL in every row (e.g. an account without a name). */
  value: string | undefined;
  /** `timestamp`: `value` is an ISO 8601 instant, stored as Timestamp(ms, UTC). Default text. */
  type?: 'utf8' | 'timestamp';
}

/** The Arrow field of an extra column: account_id is never NULL, the other provenance columns may be. */
export function extraField(e: ExtraColumn): Field {
  const type = e.type === 'timestamp' ? new Timestamp(TimeUnit.MILLISECOND, 'UTC') : new Utf8();
  return new Field(e.name, type, e.name === 'account_id' ? false : true);
}

/**
 * Extra columns first (non-nullable Utf8), then one nullable field per result column, in order, each
 * with its Athena type in the field metadata (ATHENA_TYPE_KEY).
 * A result column named like an extra column is an error rather than a silently duplicated name.
 */
export function schemaForColumns(cols: ColumnInfo[], extra: ExtraColumn[] = []): Schema {
  const extraNames = new Set(extra.map((e) => e.name));
  const fields: Field[] = extra.map(extraField);
  for (const col of cols) {
    const name = col.Name ?? '';
    if (extraNames.has(name)) {
      throw new FanoutError(
        `The query returns a column named ${name}, which the tool adds itself; rename it in the SQL`,
        { context: { stage: 'results', column: name } },
      );
    }
    fields.push(
      new Field(name, arrowTypeForColumn(col), true, new Map([[ATHENA_TYPE_KEY, athenaTypeName(col)]])),
    );
  }
  return new Schema(fields);
}

function athenaTypeName(col: ColumnInfo): string {
  const type = (col.Type ?? '').trim().toLowerCase();
  if (type === 'decimal' && col.Precision) return `decimal(${col.Precision},${col.Scale ?? 0})`;
  return type;
}
