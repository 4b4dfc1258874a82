import { type AthenaClient, GetWorkGroupCommand } from '@aws-sdk/client-athena';
import { fillPlaceholders, type PipelineConfig } from '../config/index.js';
import { awsErrorInfo, FanoutError } from '../errors.js';
import { memoizeAsync, type MemoizedAsync } from '../scheduler/index.js';

// Per client (weakly: a client that goes, goes with its entries), then per workgroup through the one
// memoizing mechanism: concurrent units share a GetWorkGroup, and a failure is asked again next time.
const workgroupOutputs = new WeakMap<AthenaClient, MemoizedAsync<string, WorkgroupOutput, []>>();

interface WorkgroupOutput {
  location: string | undefined;
  /** EnforceWorkGroupConfiguration: the workgroup's location overrides the one a query asks for. */
  enforced: boolean;
}

/** The workgroup's own output location (GetWorkGroup, once per client and workgroup). */
function workgroupOutput(athena: AthenaClient, workgroup: string): Promise<WorkgroupOutput> {
  let byName = workgroupOutputs.get(athena);
  if (!byName) {
    byName = memoizeAsync((name: string) =>
      athena.send(new GetWorkGroupCommand({ WorkGroup: name })).then((out) => ({
        location: out.WorkGroup?.Configuration?.ResultConfiguration?.OutputLocation,
        enforced: out.WorkGroup?.Configuration?.EnforceWorkGroupConfiguration === true,
      })),
    );
    workgroupOutputs.set(athena, byName);
  }
  return byName(workgroup);
}

/**
 * Where `fetch: unload` puts a unit's Parquet parts (the per-unit prefix goes below it): `unload.location`,
 * else the query's output location, else its workgroup's; a workgroup that enforces its configuration
 * overrides the query's output location, as Athena does for the results, so the parts go beside them.
 * Managed query results have none of these.
 */
export async function unloadBase(
  athena: AthenaClient,
  query: PipelineConfig['queries'][number],
  outputLocation: string | undefined,
  accountId: string,
  region: string,
): Promise<string> {
  const configured = query.unload.location && fillPlaceholders(query.unload.location, { accountId, region });
  if (configured) return configured;
  let workgroup: WorkgroupOutput;
  try {
    workgroup = await workgroupOutput(athena, query.workgroup);
  } catch (err) {
    // The query's own location still serves when the workgroup cannot be read.
    if (outputLocation) return outputLocation;
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
  if (workgroup.enforced && workgroup.location) return workgroup.location;
  if (outputLocation) return outputLocation;
  if (workgroup.location) return workgroup.location;
  throw new FanoutError(
    `Query ${query.name}: fetch: unload needs an S3 location for the Parquet parts, and workgroup ${query.workgroup} has no output location (managed query results?): set unload.location or outputLocation`,
    { context: { stage: 'query', queryName: query.name } },
  );
}
