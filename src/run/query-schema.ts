import type { Schema } from 'apache-arrow';
import type { QueryConfig } from '../config/index.js';
import { FanoutError, unitError } from '../errors.js';
import { unionSchemas } from '../sinks/index.js';
import type { UnitValue } from './unit-value.js';

/**
 * The schema of a query's output: its units' schemas merged, the merge's warnings added to `warnings`.
 * Undefined when the query says `schema: strict` and the accounts disagree on a type: then every unit
 * is marked failed and the query writes nothing.
 */
export function querySchema(query: QueryConfig, units: UnitValue[], warnings: string[]): Schema | undefined {
  const union = unionSchemas(
    units.map((u) => u.data!.schema),
    units.map((u) => `account ${u.record.accountId}`),
  );
  warnings.push(...union.warnings.map((w) => `query ${query.name}: ${w}`));
  if (query.schema !== 'strict' || union.incompatible.length === 0) return union.schema;
  const message = `query ${query.name}: schema: strict and the accounts disagree on the type of ${union.incompatible.join(', ')}; no output written`;
  warnings.push(message);
  for (const u of units) {
    u.record.state = 'failed';
    u.record.error = unitError(
      new FanoutError(message, { context: { stage: 'sink', queryName: query.name } }),
    );
  }
  return undefined;
}
