import { GetPartitionsCommand, GetTableCommand, type GlueClient, type Table } from '@aws-sdk/client-glue';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { TableReference } from '../../config/index.js';
import { type CheckResult, failedWith, passed, s3Location } from './check-result.js';

/** Partition locations outside the table's own location listed per table, at most. */
export const PARTITION_LOCATIONS_CHECKED = 5;
/** Partitions read (one GetPartitions page) to find those locations. */
const PARTITIONS_READ = 100;

/** A table some of an account's queries read in one region. */
export interface TableTarget {
  region: string;
  table: TableReference;
  queries: string[];
}

/** A data location to list, and why. */
export interface LocationTarget {
  url: string;
  region: string;
  queries: string[];
  /** The table (and partition) it belongs to, for the output. */
  of: string;
}

const abortOpt = (signal: AbortSignal | undefined) => (signal ? { abortSignal: signal } : {});
const isUnder = (url: string, root: string) => url.replace(/\/?$/, '/').startsWith(root.replace(/\/?$/, '/'));

/** The account's own Glue Data Catalog is the one Athena calls `awsdatacatalog`. */
export const isGlueCatalog = (catalog: string) => catalog === 'awsdatacatalog';

async function partitionLocations(
  glue: GlueClient,
  t: TableTarget,
  table: Table,
  signal: AbortSignal | undefined,
): Promise<{ urls: string[]; notes: string[] }> {
  const root = table.StorageDescriptor?.Location ?? '';
  const projected = table.Parameters?.['projection.enabled']?.toLowerCase() === 'true';
  if ((table.PartitionKeys ?? []).length === 0 || projected) return { urls: [], notes: [] };
  const out = await glue.send(
    new GetPartitionsCommand({
      DatabaseName: t.table.database,
      TableName: t.table.table,
      MaxResults: PARTITIONS_READ,
    }),
    abortOpt(signal),
  );
  const outside = new Set<string>();
  for (const p of out.Partitions ?? []) {
    const loc = p.StorageDescriptor?.Location;
    if (loc && !(root && isUnder(loc, root))) outside.add(loc);
  }
  const urls = [...outside].slice(0, PARTITION_LOCATIONS_CHECKED);
  const notes: string[] = [];
  if (outside.size > urls.length || out.NextToken) {
    notes.push(
      `partition locations outside ${root || 'the table location'}: ${urls.length} listed of ${out.NextToken ? `more than ${outside.size}` : outside.size} (first ${PARTITIONS_READ} partitions read)`,
    );
  }
  return { urls, notes };
}

/**
 * GetTable (and, for a partitioned table, one GetPartitions page): the table exists, and where its data
 * lives. Returns the check and the locations to list. Views have no location: EXPLAIN checks them.
 */
export async function checkTable(
  glue: GlueClient,
  t: TableTarget,
  signal: AbortSignal | undefined,
): Promise<{ result: CheckResult; locations: LocationTarget[] }> {
  const { catalog, database, table } = t.table;
  const name = `${database}.${table}`;
  const base = {
    check: 'table' as const,
    action: 'glue:GetTable',
    resource: `${catalog}.${name}@${t.region}`,
    region: t.region,
    queries: t.queries,
  };
  let found: Table | undefined;
  try {
    found = (await glue.send(new GetTableCommand({ DatabaseName: database, Name: table }), abortOpt(signal)))
      .Table;
  } catch (err) {
    return { result: failedWith(base, err), locations: [] };
  }
  const root = found?.StorageDescriptor?.Location;
  if (!found || !root) {
    const kind = found?.TableType === 'VIRTUAL_VIEW' ? 'a view' : 'without a data location';
    return { result: passed(base, [`${kind}: what it reads is checked by --explain`]), locations: [] };
  }
  const loc = (url: string, of: string): LocationTarget => ({
    url,
    region: t.region,
    queries: t.queries,
    of,
  });
  try {
    const parts = await partitionLocations(glue, t, found, signal);
    return {
      result: passed(base, [`data in ${root}`, ...parts.notes]),
      locations: [loc(root, name), ...parts.urls.map((u) => loc(u, `${name} partition`))],
    };
  } catch (err) {
    const partitions = { ...base, action: 'glue:GetPartitions' };
    return { result: failedWith(partitions, err), locations: [loc(root, name)] };
  }
}

/** One ListObjectsV2 with MaxKeys 1 under the location: the role may list it. No object is read. */
export async function checkLocation(
  s3: S3Client,
  target: LocationTarget,
  signal: AbortSignal | undefined,
): Promise<CheckResult> {
  const where = s3Location(target.url);
  const base = {
    check: 'location' as const,
    action: 's3:ListObjectsV2',
    resource: where ? `s3://${where.bucket}/${where.prefix}` : target.url,
    region: target.region,
    queries: target.queries,
  };
  if (!where) return passed(base, [`not an S3 location (${target.of}): not checked`]);
  try {
    await s3.send(
      new ListObjectsV2Command({ Bucket: where.bucket, Prefix: where.prefix, MaxKeys: 1 }),
      abortOpt(signal),
    );
    return passed(base);
  } catch (err) {
    return failedWith(base, err);
  }
}
