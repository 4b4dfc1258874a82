import { name, s3Location, workgroup } from './queries-schema.js';

const FIELDS = { workgroup, catalog: name, database: name, outputLocation: s3Location } as const;

/**
 * What is wrong with a setting's value once an account's template is filled (a tag may hold anything),
 * by the rule the config applies to that field; undefined when it is fine or the field is free text.
 */
export function settingProblem(field: string, value: string): string | undefined {
  const schema = FIELDS[field as keyof typeof FIELDS] as (typeof FIELDS)[keyof typeof FIELDS] | undefined;
  if (schema === undefined) return undefined;
  const checked = schema.safeParse(value);
  return checked.success ? undefined : (checked.error.issues[0]?.message ?? 'invalid');
}
