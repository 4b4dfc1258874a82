import { type DataType, type Field, Type } from 'apache-arrow';

/** A Glue (Hive) column: the name lower case, as Glue stores it, and the Hive type. */
export interface GlueColumn {
  Name: string;
  Type: string;
}

/** A nested type's fields (apache-arrow types them loosely). */
const kids = (t: DataType): Field<DataType>[] => t.children as Field<DataType>[];

/** An Arrow type as Athena's Hive catalog spells it; what the Parquet writer stores reads back as it. */
export function hiveType(t: DataType): string {
  switch (t.typeId) {
    case Type.Int: {
      const { bitWidth, isSigned } = t as unknown as { bitWidth: number; isSigned: boolean };
      // Unsigned values need the next width up (uint64: no Hive integer holds it, so a decimal).
      const bits = isSigned ? bitWidth : bitWidth * 2;
      if (bits > 64) return 'decimal(20,0)';
      return ({ 8: 'tinyint', 16: 'smallint', 32: 'int', 64: 'bigint' } as Record<number, string>)[bits]!;
    }
    case Type.Float: {
      const { precision } = t as unknown as { precision: number };
      return precision === 1 /* SINGLE */ ? 'float' : 'double';
    }
    case Type.Decimal: {
      const { precision, scale } = t as unknown as { precision: number; scale: number };
      return `decimal(${precision},${scale})`;
    }
    case Type.Bool:
      return 'boolean';
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Null:
      return 'string';
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return 'binary';
    case Type.Date:
      return 'date';
    case Type.Timestamp:
      return 'timestamp';
    case Type.List:
    case Type.FixedSizeList:
      return `array<${hiveType(kids(t)[0]!.type)}>`;
    case Type.Struct:
      return `struct<${kids(t)
        .map((f) => `${f.name.toLowerCase()}:${hiveType(f.type)}`)
        .join(',')}>`;
    case Type.Map: {
      const entry = kids(kids(t)[0]!.type);
      return `map<${hiveType(entry[0]!.type)},${hiveType(entry[1]!.type)}>`;
    }
    default:
      return 'string';
  }
}

export function glueColumns(fields: readonly Field[]): GlueColumn[] {
  return fields.map((f) => ({ Name: f.name.toLowerCase(), Type: hiveType(f.type as DataType) }));
}

/**
 * The table's columns after this run, by Glue's rules: every existing column keeps its place and type,
 * a column new to this run is added at the end, and a column of this run missing from the table's
 * earlier runs is kept (older partitions hold it). A column whose type changed cannot be read by both
 * runs' files: an error naming every such column, before anything is written.
 */
export function mergedColumns(
  existing: readonly GlueColumn[],
  run: readonly GlueColumn[],
): { columns: GlueColumn[]; added: string[] } {
  const byName = new Map(existing.map((c) => [c.Name.toLowerCase(), c]));
  const changed = run.flatMap((c) => {
    const old = byName.get(c.Name);
    return old && old.Type.toLowerCase() !== c.Type
      ? [`${c.Name} (${old.Type} in the table, ${c.Type} in this run)`]
      : [];
  });
  if (changed.length > 0) {
    throw new Error(
      `incompatible type change of column ${changed.join(', ')}: Glue tables keep a column's type; write to a new table or rename the column`,
    );
  }
  const added = run.filter((c) => !byName.has(c.Name));
  return { columns: [...existing, ...added], added: added.map((c) => c.Name) };
}
