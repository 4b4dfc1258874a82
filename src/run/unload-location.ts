import { type AthenaClient, GetWorkGroupCommand } from '@aws-sdk/client-athena';
import { fillPlaceholders, type PipelineConfig } from '../config/index.js';
import { awsErrorInfo, FanoutError } from '../errors.js';
import { memoizeAsync, type MemoizedAsync } from '../scheduler/index.js';

// Per client (weakly: a client that goes, goes with its entries), then per workgroup through the one
// memoizing mechanism: concurrent units share a GetWorkGroup, and a failure is asked again next time.
const workgroupOutputs = new WeakMap<AthenaClient, MemoizedAsync<string, string | undefined, []>>();

/** The workgroup's own output location (GetWorkGroup, once per client and workgroup). */
function workgroupOutput(athena: AthenaClient, workgroup: string): Promise<string | undefined> {
  let byName = workgroupOutputs.get(athena);
  if (!byName) {
    byName = memoizeAsync((name: string) =>
      athena
        .send(new GetWorkGroupCommand({ WorkGroup: name }))
        .then((out) => out.WorkGroup?.Configuration?.ResultConfiguration?.OutputLocation),
    );
    workgroupOutputs.set(athena, byName);
  }
  return byName(workgroup);
}

/**
 * Where `fetch: unload` puts a unit's Parquet parts (the per-unit prefix goes below it): `unload.location`,
 * else the query's output location, else its workgroup's. Managed query results have none of these.
 */
export async function unloadBase(
  athena: AthenaClient,
  query: PipelineConfig['queries'][number],
  outputLocation: string | undefined,
  accountId: string,
  region: string,
): Promise<string> {
  const configured = query.unload.location && fillPlaceholders(query.unload.location, { accountId, region });
  if (configured ?? outputLocation) return (configured ?? outputLocation)!;
  let location: string | undefined;
  try {
    location = await workgroupOutput(athena, query.workgroup);
  } catch (err) {
    const info = awsErrorInfo(err);
    throw new FanoutError(
      `fetch: unload: reading the output location of workgroup ${query.workgroup} failed: ${info.code}: ${info.message}; set unload.location`,
      {
        cause: err,
        retryable: info.retryable,
        context: { stage: 'query', queryName: query.name, awsCode: info.code },
      },
    );
  }
  if (location) return location;
  throw new FanoutError(
    `Query ${query.name}: fetch: unload needs an S3 location for the Parquet parts, and workgroup ${query.workgroup} has no output location (managed query results?): set unload.location or outputLocation`,
    { context: { stage: 'query', queryName: query.name } },
  );
}
