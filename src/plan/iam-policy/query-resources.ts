import { fillPlaceholders, type IamSettings, type QueryConfig } from '../../config/index.js';
import type { CatalogFacts } from './catalog-facts.js';
import { isGlueCatalogName, queryTables, renderForPolicies, type QueryTable } from './query-tables.js';

/** bucket → key prefixes under it. */
export type BucketPrefixes = Map<string, Set<string>>;

/** Which statement a note explains. */
export type NoteTopic = 'glue' | 'catalogs' | 'lambda' | 'data' | 'dataKms' | 'resultsKms' | 'lakeFormation';

/** What the queries of one role touch in one account, across their regions. */
export interface QueryInputs {
  queries: QueryConfig[];
  partition: string;
  /** May be `<accountId>`: the resources of a template role. */
  account: string;
  vars: Record<string, string>;
  iam?: IamSettings | undefined;
  discovered?: CatalogFacts | undefined;
}

/** The ARNs and S3 prefixes the queries touch in one account, across their regions. */
export interface QueryResources {
  workgroups: string[];
  /** Athena data catalogs other than the Glue Data Catalog. */
  dataCatalogs: string[];
  /** Glue catalog, database and table ARNs. */
  glue: string[];
  /** A table name decided per account: GetTables lets Athena find it. */
  glueWildcard: boolean;
  lambdaFunctions: string[];
  resultsKmsKeys: string[];
  dataKmsKeys: string[];
  /** Where Athena writes results and the tool reads them. */
  buckets: BucketPrefixes;
  /** What fetch: unload deletes: its parts, and the manifest and metadata in the output location. */
  deletes: BucketPrefixes;
  /** Where the tables' data is: read by Athena with the caller's permissions. */
  data: BucketPrefixes;
  lakeFormation: boolean;
  notes: Map<NoteTopic, Set<string>>;
}

export function queryResources(inputs: QueryInputs): QueryResources {
  const found: QueryResources = {
    workgroups: [],
    dataCatalogs: [],
    glue: [],
    glueWildcard: false,
    lambdaFunctions: [],
    resultsKmsKeys: [],
    dataKmsKeys: [],
    buckets: new Map(),
    deletes: new Map(),
    data: new Map(),
    lakeFormation: false,
    notes: new Map(),
  };
  const { partition, account } = inputs;
  let readsTables = false;
  for (const q of inputs.queries) {
    const tables = queryTables(q, renderForPolicies(q.sql, inputs.vars));
    readsTables ||= tables.length > 0;
    for (const region of q.regions) {
      const arn = (service: string, resource: string, acct = account) =>
        `arn:${partition}:${service}:${region}:${acct}:${resource}`;
      const fill = (text: string) => fillPlaceholders(text, { region, accountId: account });
      found.workgroups.push(arn('athena', `workgroup/${q.workgroup}`));
      for (const t of tables) addTable(found, inputs, t, region, arn);
      const key = q.encryption?.kmsKey;
      if (key && q.encryption?.option !== 'SSE_S3') {
        found.resultsKmsKeys.push(key.startsWith('arn:') ? key : arn('kms', `key/${key}`));
      }
      found.resultsKmsKeys.push(...(inputs.iam?.kmsKeys.results ?? []).map(fill));
      found.dataKmsKeys.push(...(inputs.iam?.kmsKeys.data ?? []).map(fill));
      addLocations(found, q, (location, suffix = '') => fill(location) + suffix);
      if (tables.length === 0) continue;
      for (const l of inputs.iam?.dataLocations ?? []) addPrefix(found.data, asFolder(fill(l)));
    }
  }
  // Where a workgroup puts results itself, Athena writes and the tool reads there.
  for (const l of inputs.discovered?.resultsLocations ?? []) {
    addPrefix(found.buckets, fillPlaceholders(l, { accountId: account }));
  }
  if (readsTables) addDiscovered(found, inputs);
  return found;
}

function note(found: QueryResources, topic: NoteTopic, text: string): void {
  const notes = found.notes.get(topic) ?? new Set<string>();
  notes.add(text);
  found.notes.set(topic, notes);
}

function addTable(
  found: QueryResources,
  inputs: QueryInputs,
  t: QueryTable,
  region: string,
  arn: (service: string, resource: string, acct?: string) => string,
): void {
  const catalog = inputs.discovered?.catalogs.find((c) => c.name === t.catalog && c.region === region);
  const glueIn = isGlueCatalogName(t.catalog)
    ? inputs.account
    : catalog?.type === 'GLUE'
      ? (catalog.glueCatalogId ?? inputs.account)
      : undefined;
  if (glueIn !== undefined) {
    found.glue.push(
      arn('glue', 'catalog', glueIn),
      arn('glue', `database/${t.database}`, glueIn),
      arn('glue', `table/${t.database}/${t.table}`, glueIn),
    );
    if (t.table.includes('*') || t.database.includes('*')) {
      found.glueWildcard = true;
      note(
        found,
        'glue',
        `${t.database}.${t.table}: a template marker names it per account, so the ARN uses *`,
      );
    }
  }
  if (isGlueCatalogName(t.catalog)) return;
  found.dataCatalogs.push(arn('athena', `datacatalog/${t.catalog}`));
  if (catalog?.type === 'LAMBDA') {
    found.lambdaFunctions.push(
      ...catalog.functions.map((f) => fillPlaceholders(f, { accountId: inputs.account })),
    );
  } else if (!catalog) {
    // A federated catalog's connector is a Lambda function only GetDataCatalog names.
    found.lambdaFunctions.push(arn('lambda', 'function:*'));
    note(
      found,
      'lambda',
      `catalog ${t.catalog}: its connector function is not in the config, so any function in the account; iam-policy --discover names it (Athena GetDataCatalog)`,
    );
  } else if (catalog.type !== 'GLUE') {
    note(
      found,
      'catalogs',
      `catalog ${t.catalog} is of type ${catalog.type}: grant what its connector needs`,
    );
  }
}

/** Table data, keys and Lake Formation: discovered, else what `iam:` says, else any bucket with a note. */
function addDiscovered(found: QueryResources, inputs: QueryInputs): void {
  const fill = (text: string) => fillPlaceholders(text, { accountId: inputs.account });
  const facts = inputs.discovered;
  if (facts) {
    for (const l of facts.dataLocations) addPrefix(found.data, asFolder(fill(l)));
    found.dataKmsKeys.push(...facts.dataKmsKeys.map(fill));
    found.resultsKmsKeys.push(...facts.resultsKmsKeys.map(fill));
    found.lakeFormation = facts.lakeFormationTables.length > 0;
    if (facts.accountsRead < facts.accountsSelected) {
      note(
        found,
        'data',
        `locations read from ${facts.accountsRead} of ${facts.accountsSelected} accounts (--discover-accounts): an account whose tables live elsewhere needs its own`,
      );
    }
    return;
  }
  if (found.data.size > 0) return;
  addPrefix(found.data, 's3://*/');
  note(
    found,
    'data',
    'every bucket: where the tables keep their data is in the Glue Data Catalog, not in the config; run iam-policy --discover, or set iam.dataLocations',
  );
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

/** A table location names a folder: `s3://b/sales` holds `sales/…`, never `sales_archive/…`. */
const asFolder = (url: string): string =>
  url.endsWith('/') || !url.slice(5).includes('/') ? url : `${url}/`;

function addPrefix(buckets: BucketPrefixes, url: string): void {
  const [bucket = '', ...rest] = url.slice('s3://'.length).split('/');
  const prefixes = buckets.get(bucket) ?? new Set<string>();
  prefixes.add(rest.join('/'));
  buckets.set(bucket, prefixes);
}
