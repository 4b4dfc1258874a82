import * as z from 'zod';
import { strict } from './schema-parts.js';

/** The provenance columns the tool can add to every row, in the order they come first in the output. */
export const PROVENANCE_FIELDS = [
  'account_id',
  'account_name',
  'region',
  'query_execution_id',
  'extracted_at',
  'ou_path',
] as const;
export type ProvenanceField = (typeof PROVENANCE_FIELDS)[number];

/** A provenance column switched on, under its output name. */
export interface ProvenanceColumn {
  field: ProvenanceField;
  name: string;
}

const COLUMN = /^[A-Za-z_][A-Za-z0-9_]*$/;
// true: the default name; false: off; a string: on under that name.
const toggle = z.union([
  z.boolean(),
  z.string().regex(COLUMN, { error: 'expected true, false or a column name (letters, digits, _)' }),
]);

export const provenanceSchema = strict({
  account_id: toggle.default(true),
  account_name: toggle.default(false),
  region: toggle.default(false),
  query_execution_id: toggle.default(false),
  extracted_at: toggle.default(false),
  ou_path: toggle.default(false),
}).superRefine((p, ctx) => {
  const seen = new Map<string, string>();
  for (const field of PROVENANCE_FIELDS) {
    const name = p[field] === true ? field : p[field];
    if (name === false) continue;
    const other = seen.get(name);
    if (other !== undefined) {
      ctx.addIssue({ code: 'custom', path: [field], message: `names the same column as ${other}: ${name}` });
    }
    seen.set(name, field);
  }
});

export function provenanceColumns(p: z.output<typeof provenanceSchema>): ProvenanceColumn[] {
  return PROVENANCE_FIELDS.flatMap((field) => {
    const v = p[field];
    return v === false ? [] : [{ field, name: v === true ? field : v }];
  });
}
