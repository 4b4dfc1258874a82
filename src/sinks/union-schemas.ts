import { Field, Schema, Utf8, type DataType } from 'apache-arrow';
import { mergeTypes, sameType } from './merge-types.js';
import { typeName } from './type-name.js';

interface ColumnAcc {
  name: string;
  type: DataType | null; // null once the types proved incompatible: the column becomes text
  nullable: boolean;
  seenIn: number;
  /** Each distinct type with the first input that had it, for the warning. */
  variants: { type: DataType; input: number }[];
  caveats: Set<string>;
}

function describe(variants: ColumnAcc['variants'], labels: readonly string[] | undefined): string {
  return variants.map((v) => `${typeName(v.type)} in ${labels?.[v.input] ?? `input ${v.input}`}`).join(', ');
}

/**
 * Union of columns by name across per-account schemas, first-seen order. A column missing from some
 * inputs is nullable. Differing types widen (see mergeTypes); anything else becomes Utf8 so that no
 * account's values are lost, with a warning naming the column and the inputs' types. Warnings name
 * an input by `labels[i]` (e.g. "account 123456789012") or else as "input i".
 */
export function unionSchemas(
  schemas: Schema[],
  labels?: readonly string[],
): { schema: Schema; warnings: string[]; incompatible: string[] } {
  const columns = new Map<string, ColumnAcc>();
  schemas.forEach((schema, input) => {
    const seenHere = new Set<string>();
    for (const field of schema.fields) {
      const type = field.type as DataType;
      // A repeated name inside one schema cannot be told apart by name; the first one wins.
      if (seenHere.has(field.name)) continue;
      seenHere.add(field.name);
      const acc = columns.get(field.name);
      if (!acc) {
        columns.set(field.name, {
          name: field.name,
          type,
          nullable: field.nullable,
          seenIn: 1,
          variants: [{ type, input }],
          caveats: new Set(),
        });
        continue;
      }
      acc.seenIn++;
      acc.nullable ||= field.nullable;
      if (!acc.variants.some((v) => sameType(v.type, type))) {
        acc.variants.push({ type, input });
      }
      if (acc.type === null) continue;
      const merged = mergeTypes(acc.type, type);
      acc.type = merged?.type ?? null;
      if (merged?.caveat) acc.caveats.add(merged.caveat);
    }
  });

  const warnings: string[] = [];
  // Columns that fell back to text: `schema: strict` fails the query on any.
  const incompatible: string[] = [];
  const fields = [...columns.values()].map((acc) => {
    const nullable = acc.nullable || acc.seenIn < schemas.length;
    if (acc.type === null) {
      incompatible.push(acc.name);
      warnings.push(
        `column "${acc.name}" has incompatible types across inputs: ${describe(acc.variants, labels)}; written as Utf8 text`,
      );
      return new Field(acc.name, new Utf8(), nullable);
    }
    for (const caveat of acc.caveats) {
      warnings.push(
        `column "${acc.name}" has types ${describe(acc.variants, labels)}; written as ${typeName(acc.type)}: ${caveat}`,
      );
    }
    return new Field(acc.name, acc.type, nullable);
  });
  return { schema: new Schema(fields), warnings, incompatible };
}
