import { fillPlaceholders, type QueryConfig } from '../../config/index.js';

/** bucket → key prefixes under it. */
export type BucketPrefixes = Map<string, Set<string>>;

/** The ARNs and S3 prefixes the queries touch in one account, across their regions. */
export interface QueryResources {
  workgroups: string[];
  /** Athena data catalogs other than the Glue Data Catalog. */
  dataCatalogs: string[];
  /** Glue catalog, database and table ARNs. */
  glue: string[];
  kmsKeys: string[];
  /** Where Athena writes results and the tool reads them. */
  buckets: BucketPrefixes;
  /** What fetch: unload deletes: its parts, and the manifest and metadata in the output location. */
  deletes: BucketPrefixes;
}

export const isGlueCatalog = (q: QueryConfig): boolean =>
  (q.catalog ?? 'AwsDataCatalog').toLowerCase() === 'awsdatacatalog';

/** `account` may be `<accountId>`: the resources of a template role. */
export function queryResources(queries: QueryConfig[], partition: string, account: string): QueryResources {
  const found: QueryResources = {
    workgroups: [],
    dataCatalogs: [],
    glue: [],
    kmsKeys: [],
    buckets: new Map(),
    deletes: new Map(),
  };
  for (const q of queries) {
    for (const region of q.regions) {
      const arn = (service: string, resource: string) =>
        `arn:${partition}:${service}:${region}:${account}:${resource}`;
      found.workgroups.push(arn('athena', `workgroup/${q.workgroup}`));
      if (isGlueCatalog(q)) {
        const db = q.database ?? '*';
        found.glue.push(arn('glue', 'catalog'), arn('glue', `database/${db}`), arn('glue', `table/${db}/*`));
      } else {
        found.dataCatalogs.push(arn('athena', `datacatalog/${q.catalog ?? 'AwsDataCatalog'}`));
      }
      const key = q.encryption?.kmsKey;
      if (key && q.encryption?.option !== 'SSE_S3') {
        found.kmsKeys.push(key.startsWith('arn:') ? key : arn('kms', `key/${key}`));
      }
      addLocations(
        found,
        q,
        (location, suffix = '') => fillPlaceholders(location, { region, accountId: account }) + suffix,
      );
    }
  }
  return found;
}

function addLocations(
  found: QueryResources,
  q: QueryConfig,
  at: (location: string, suffix?: string) => string,
): void {
  if (q.outputLocation) addPrefix(found.buckets, at(q.outputLocation));
  const unloadTo = q.fetch === 'unload' ? (q.unload.location ?? q.outputLocation) : undefined;
  if (!unloadTo) return;
  // Athena writes the parts with the caller's permissions; the tool lists, reads and deletes them.
  addPrefix(found.buckets, at(unloadTo, 'athena-fanout-unload/'));
  if (q.unload.keep) return;
  addPrefix(found.deletes, at(unloadTo, 'athena-fanout-unload/'));
  if (q.outputLocation) addPrefix(found.deletes, at(q.outputLocation));
}

function addPrefix(buckets: BucketPrefixes, url: string): void {
  const [bucket = '', ...rest] = url.slice('s3://'.length).split('/');
  const prefixes = buckets.get(bucket) ?? new Set<string>();
  prefixes.add(rest.join('/'));
  buckets.set(bucket, prefixes);
}
