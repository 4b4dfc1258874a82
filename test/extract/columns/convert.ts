import { expect } from 'vitest';
import type { ColumnInfo, Row } from '@aws-sdk/client-athena';
import { RecordBatch, Table, tableFromIPC, tableToIPC, type Type, type Vector } from 'apache-arrow';
import { buildRecordBatch, schemaForColumns, type ExtraColumn } from '../../../src/extract/index.js';

/** Rows → RecordBatch → Arrow IPC bytes → Table: the values as an independent IPC reader sees them. */
export function convert(columns: ColumnInfo[], rows: Row[], extra: ExtraColumn[] = []): Table {
  const schema = schemaForColumns(columns, extra);
  const batch = buildRecordBatch(schema, rows, 1, extra, { accountId: '123456789012', queryName: 'q' });
  expect(batch).toBeInstanceOf(RecordBatch);
  return tableFromIPC(tableToIPC(new Table([batch]), 'stream'));
}

export function column(table: Table, name: string): Vector {
  const v = table.getChild(name);
  if (!v) throw new Error(`no column ${name}`);
  return v;
}

export function values(table: Table, name: string): unknown[] {
  const v = column(table, name);
  return Array.from({ length: v.length }, (_, i) => v.get(i) as unknown);
}

/** Validity-aware read of a column's raw storage (e.g. the BigInt64Array behind timestamps). */
export function rawValues(table: Table, name: string): unknown[] {
  const out: unknown[] = [];
  for (const d of column(table, name).data) {
    const raw = d.values as ArrayLike<unknown>;
    for (let i = 0; i < d.length; i++) out.push(d.getValid(i) ? raw[d.offset + i] : null);
  }
  return out;
}

/** Decimal128 words (4 × uint32, little-endian two's complement) → the signed unscaled value. */
export function decimalValues(table: Table, name: string): (bigint | null)[] {
  const out: (bigint | null)[] = [];
  for (const d of column(table, name).data) {
    const w = d.values as Uint32Array;
    for (let i = 0; i < d.length; i++) {
      if (!d.getValid(i)) {
        out.push(null);
        continue;
      }
      let x = 0n;
      for (let k = 3; k >= 0; k--) x = (x << 32n) | BigInt(w[(d.offset + i) * 4 + k]!);
      out.push(BigInt.asIntN(128, x));
    }
  }
  return out;
}

export interface TypeInfo {
  name: string;
  typeId: Type;
  unit?: number;
  timezone?: string | null;
  precision?: number;
  scale?: number;
}

export function typeOf(table: Table, name: string): TypeInfo {
  const t = column(table, name).type as unknown as TypeInfo & { toString(): string };
  return {
    name: t.toString(),
    typeId: t.typeId,
    unit: t.unit,
    timezone: t.timezone,
    precision: t.precision,
    scale: t.scale,
  };
}
