import * as z from 'zod';
import { pipelineConfigSchema } from './schema.js';

/**
 * A string holding a `${NAME}` reference (not the literal `$${`): the tool replaces it before checking
 * the value, so the schema cannot judge it and lets it through.
 */
export const ENV_REFERENCE_PATTERN = '(^|[^$])\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}';

/** The keywords that can refuse a `${NAME}` string which, once replaced, would be valid. */
const CONSTRAINTS = ['pattern', 'enum', 'const', 'format', 'maxLength'] as const;
/** What stays on the outer schema, where editors show it. */
const ANNOTATIONS = ['description', 'default', 'title', 'examples'] as const;

type JsonSchema = Record<string, unknown>;

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every constrained string also accepts a value with `${NAME}` in it, as the tool does (interpolation
 * comes before validation). Unions whose branches a `${NAME}` discriminator would make overlap
 * (`oneOf`) become `anyOf`. Property names are left alone: keys are never interpolated.
 */
function allowEnvReferences(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowEnvReferences);
  if (!isSchema(node)) return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'propertyNames') out[key] = value;
    else if (key === 'oneOf') out.anyOf = allowEnvReferences(value);
    else out[key] = allowEnvReferences(value);
  }
  if (out.type !== 'string' || !CONSTRAINTS.some((k) => k in out)) return out;
  const outer: JsonSchema = {};
  const checked: JsonSchema = {};
  for (const [key, value] of Object.entries(out)) {
    if ((ANNOTATIONS as readonly string[]).includes(key)) outer[key] = value;
    else checked[key] = value;
  }
  return { ...outer, anyOf: [checked, { type: 'string', pattern: ENV_REFERENCE_PATTERN }] };
}

/**
 * docs/pipeline.schema.json, derived from the zod schema `validate` uses, so editors complete and
 * check the same fields (`npm run schemas` rewrites it; a test fails when it is stale). Rules zod
 * cannot express as JSON Schema (cross-field checks, ARN contents) are left to `validate`; so is any
 * string holding `${ENV_VAR}`, which only the tool can resolve.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = allowEnvReferences(
    z.toJSONSchema(pipelineConfigSchema, { io: 'input', unrepresentable: 'any' }),
  ) as JsonSchema;
  return {
    ...schema,
    $id: 'https://github.com/athena-fanout/athena-fanout/blob/main/docs/pipeline.schema.json',
    title: 'athena-fanout pipeline.config.yaml',
    description:
      'Configuration of athena-fanout (version 1). Strings may contain ${ENV_VAR}; run `athena-fanout validate` for the checks a schema cannot express.',
  };
}

export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
