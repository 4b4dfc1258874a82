import { AthenaClient, GetDataCatalogCommand } from '@aws-sdk/client-athena';
import { GetPartitionsCommand, GetTableCommand, GlueClient, type Table } from '@aws-sdk/client-glue';
import type { PipelineConfig, QueryConfig } from '../../config/index.js';
import { awsClientConfig, type CredentialProvider } from '../../aws/index.js';
import type { Account } from '../../accounts/index.js';
import { awsWords } from './aws-words.js';
import { renderSql } from '../../extract/index.js';
import type { DiscoveredCatalog, LakeFormationTable } from './catalog-facts.js';
import { isGlueCatalogName, queryTables, renderForPolicies, type QueryTable } from './query-tables.js';

/** Partition pages read per table: enough to find where partitions live, bounded for huge tables. */
const MAX_PARTITION_PAGES = 10;

/** What one account's catalogs say about the tables its queries read, before generalising. */
export interface AccountTables {
  dataLocations: Set<string>;
  lakeFormation: LakeFormationTable[];
  catalogs: DiscoveredCatalog[];
  notes: string[];
  /** Calls refused or failed: the policies may miss what they would have found. */
  failures: string[];
}

export interface AccountReader {
  config: PipelineConfig;
  account: Account;
  credentials: CredentialProvider;
  signal?: AbortSignal | undefined;
}

/** The query's SQL as this account's run renders it (or, if it can't be, as far as the config knows). */
function renderedFor(r: AccountReader, q: QueryConfig, region: string): string {
  const a = r.account;
  try {
    return renderSql(
      q.sql,
      {
        accountId: a.id,
        region,
        runDate: new Date().toISOString().slice(0, 10),
        runId: 'iam-policy',
        ...(a.name === undefined ? {} : { accountName: a.name }),
        ...(a.email === undefined ? {} : { accountEmail: a.email }),
        ...(a.ouPath === undefined ? {} : { ouPath: a.ouPath }),
        ...(a.tags === undefined ? {} : { tags: a.tags }),
        vars: r.config.vars,
      },
      q.name,
    );
  } catch {
    return renderForPolicies(q.sql, r.config.vars);
  }
}

/** Reads, per region, the tables the account's queries name: Glue GetTable (and partitions), GetDataCatalog. */
export async function readAccountTables(r: AccountReader): Promise<AccountTables> {
  const out: AccountTables = {
    dataLocations: new Set(),
    lakeFormation: [],
    catalogs: [],
    notes: [],
    failures: [],
  };
  const seen = new Set<string>();
  for (const q of r.config.queries) {
    if (q.accounts && !q.accounts.includes(r.account.id)) continue;
    for (const region of q.regions) {
      for (const t of queryTables(q, renderedFor(r, q, region))) {
        const key = `${region}/${t.catalog}/${t.database}/${t.table}`;
        if (seen.has(key)) continue;
        seen.add(key);
        await readTable(r, out, t, region);
      }
    }
  }
  return out;
}

async function readTable(r: AccountReader, out: AccountTables, t: QueryTable, region: string): Promise<void> {
  const where = `account ${r.account.id} ${region}`;
  let catalogId: string | undefined;
  if (!isGlueCatalogName(t.catalog)) {
    const catalog = await readCatalog(r, out, t.catalog, region);
    if (catalog?.type !== 'GLUE') return;
    catalogId = catalog.glueCatalogId;
  }
  const abort = r.signal ? { abortSignal: r.signal } : {};
  const glue = new GlueClient(awsClientConfig('glue', { region, credentials: r.credentials }));
  const ids = { ...(catalogId ? { CatalogId: catalogId } : {}), DatabaseName: t.database };
  let table: Table | undefined;
  try {
    table = (await glue.send(new GetTableCommand({ ...ids, Name: t.table }), abort)).Table;
  } catch (err) {
    out.failures.push(`${where}: Glue GetTable ${t.database}.${t.table}: ${awsWords(err)}`);
    return;
  }
  if (!table) return;
  if (table.TableType === 'VIRTUAL_VIEW') {
    out.notes.push(
      `${where}: ${t.database}.${t.table} is a view: grant its base tables by naming them in iam.dataLocations or in a query`,
    );
  }
  const governed = table.IsRegisteredWithLakeFormation === true;
  if (governed) out.lakeFormation.push({ region, database: t.database, table: t.table });
  // Lake Formation vends the data credentials of a governed table: no S3 grant for the role.
  const add = (location: string | undefined) => {
    if (location && !governed) out.dataLocations.add(location);
  };
  const base = table.StorageDescriptor?.Location;
  add(base);
  if ((table.PartitionKeys?.length ?? 0) === 0) return;
  try {
    let token: string | undefined;
    for (let page = 0; page < MAX_PARTITION_PAGES; page++) {
      const res = await glue.send(
        new GetPartitionsCommand({ ...ids, TableName: t.table, ExcludeColumnSchema: true, NextToken: token }),
        abort,
      );
      for (const p of res.Partitions ?? []) {
        const loc = p.StorageDescriptor?.Location;
        if (loc && !(base && loc.startsWith(base.endsWith('/') ? base : `${base}/`))) add(loc);
      }
      token = res.NextToken;
      if (!token) return;
    }
    out.notes.push(
      `${where}: ${t.database}.${t.table} has more than ${MAX_PARTITION_PAGES} pages of partitions: locations of the rest not read`,
    );
  } catch (err) {
    out.failures.push(`${where}: Glue GetPartitions ${t.database}.${t.table}: ${awsWords(err)}`);
  }
}

/** A connector named by function name or ARN, as the ARN IAM matches. */
function functionArn(fn: string, region: string, r: AccountReader): string {
  if (fn.startsWith('arn:')) return fn;
  const partition = (r.config.auth.accountRoleChain[0]?.arn ?? 'arn:aws').split(':')[1] ?? 'aws';
  return `arn:${partition}:lambda:${region}:${r.account.id}:function:${fn}`;
}

async function readCatalog(
  r: AccountReader,
  out: AccountTables,
  name: string,
  region: string,
): Promise<DiscoveredCatalog | undefined> {
  const known = out.catalogs.find((c) => c.name === name && c.region === region);
  if (known) return known;
  const athena = new AthenaClient(awsClientConfig('athena', { region, credentials: r.credentials }));
  try {
    const res = await athena.send(
      new GetDataCatalogCommand({ Name: name }),
      r.signal ? { abortSignal: r.signal } : {},
    );
    const params = res.DataCatalog?.Parameters ?? {};
    const catalog: DiscoveredCatalog = {
      name,
      region,
      type: res.DataCatalog?.Type ?? 'UNKNOWN',
      // A LAMBDA catalog names one function, or separate metadata and record functions.
      functions: ['function', 'metadata-function', 'record-function'].flatMap((k) =>
        params[k] ? [functionArn(params[k], region, r)] : [],
      ),
      ...(params['catalog-id'] ? { glueCatalogId: params['catalog-id'] } : {}),
    };
    out.catalogs.push(catalog);
    return catalog;
  } catch (err) {
    out.failures.push(`account ${r.account.id} ${region}: Athena GetDataCatalog ${name}: ${awsWords(err)}`);
    return undefined;
  }
}
