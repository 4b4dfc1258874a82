import * as z from 'zod';
import { pipelineConfigSchema } from './schema.js';

/**
 * docs/pipeline.schema.json, derived from the zod schema `validate` uses, so editors complete and
 * check the same fields (`npm run schemas` rewrites it; a test fails when it is stale). Rules zod
 * cannot express as JSON Schema (cross-field checks, ARN contents) are left to `validate`.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(pipelineConfigSchema, { io: 'input', unrepresentable: 'any' });
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
