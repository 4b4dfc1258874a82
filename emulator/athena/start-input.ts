import { invalid } from './execution.js';
import type { ResultEncryption } from './shapes.js';

/** StartQueryExecution's request, checked as Athena checks it before looking at anything else. */
export interface StartInput {
  queryString: string;
  workgroup: string;
  database?: string;
  catalog?: string;
  parameters?: string[];
  token?: string;
  /** What ClientRequestToken idempotency compares: a reused token must come with the same request. */
  fingerprint: string;
  /** ResultConfiguration.OutputLocation as sent; the workgroup's applies when absent. */
  outputLocation?: string;
  /** ResultConfiguration.EncryptionConfiguration as sent. */
  encryption?: ResultEncryption;
}

export function parseStartInput(input: Record<string, unknown>): StartInput {
  const queryString = input.QueryString;
  if (typeof queryString !== 'string' || queryString.trim() === '')
    throw invalid('QueryString must not be empty');
  if (Buffer.byteLength(queryString) > 262_144) {
    throw invalid(
      "1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length less than or equal to 262144",
    );
  }
  const workgroup = typeof input.WorkGroup === 'string' ? input.WorkGroup : 'primary';
  const context = (input.QueryExecutionContext ?? {}) as { Database?: string; Catalog?: string };
  const parameters = Array.isArray(input.ExecutionParameters)
    ? input.ExecutionParameters.map(String)
    : undefined;
  const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
  const resultConfig = (input.ResultConfiguration ?? {}) as {
    OutputLocation?: string;
    EncryptionConfiguration?: ResultEncryption;
  };
  return {
    queryString,
    workgroup,
    database: context.Database,
    catalog: context.Catalog,
    parameters,
    token,
    fingerprint: JSON.stringify([queryString, parameters, context.Database, context.Catalog, workgroup]),
    outputLocation: resultConfig.OutputLocation,
    ...(resultConfig.EncryptionConfiguration === undefined
      ? {}
      : { encryption: resultConfig.EncryptionConfiguration }),
  };
}

/** The output location as a prefix ending in "/"; Athena refuses to run a query without one. */
export function outputPrefix(location: string | undefined): string {
  if (location === undefined) {
    throw invalid(
      'No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.',
    );
  }
  if (!/^s3:\/\/[^/]+/.test(location)) throw invalid(`Invalid OutputLocation: ${location}`);
  return location.endsWith('/') ? location : `${location}/`;
}
