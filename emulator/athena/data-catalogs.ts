import type { ScenarioCatalog } from '../glue/catalog.js';
import type { Principal } from '../identity.js';
import { invalid } from './execution.js';

/** Every account has Athena's default catalog, the account's own Glue Data Catalog. */
const DEFAULT_CATALOG = 'AwsDataCatalog';

/**
 * Athena's GetDataCatalog: `AwsDataCatalog` (GLUE, the account's catalog) and the scenario's
 * `dataCatalogs` (GLUE catalogs of another account, LAMBDA federated connectors with their function).
 */
export function getDataCatalog(
  catalog: ScenarioCatalog,
  caller: Principal,
  input: Record<string, unknown>,
  region: string | undefined,
): unknown {
  const name = typeof input.Name === 'string' ? input.Name : '';
  if (name === '') {
    throw invalid(
      "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
    );
  }
  if (name.toLowerCase() === DEFAULT_CATALOG.toLowerCase()) {
    return {
      DataCatalog: {
        Name: DEFAULT_CATALOG,
        Description: 'AWS Glue Data Catalog',
        Type: 'GLUE',
        Parameters: { 'catalog-id': caller.accountId },
      },
    };
  }
  const found = catalog.dataCatalogs(caller.accountId).find((c) => c.name === name);
  if (!found) throw invalid(`Catalog ${name} was not found in region ${region ?? 'us-east-1'}.`);
  const parameters: Record<string, string> =
    found.type === 'LAMBDA'
      ? { function: found.function ?? '' }
      : found.type === 'GLUE'
        ? { 'catalog-id': found.catalogId ?? caller.accountId }
        : {};
  return {
    DataCatalog: {
      Name: found.name,
      Description: found.description,
      Type: found.type,
      Parameters: parameters,
    },
  };
}
