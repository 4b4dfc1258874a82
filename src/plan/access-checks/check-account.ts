import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import pLimit, { type LimitFunction } from 'p-limit';
import { tableReferences, type PipelineConfig } from '../../config/index.js';
import type { Account } from '../../accounts/index.js';
import { awsClientConfig, type CredentialProvider } from '../../aws/index.js';
import { unitError } from '../../errors.js';
import type { UnitError } from '../../manifest.js';
import { type CheckResult, failed } from './check-result.js';
import { checkExplain } from './explain-check.js';
import { queryTargets, type QueryTarget } from './query-targets.js';
import {
  checkLocation,
  checkTable,
  isGlueCatalog,
  type LocationTarget,
  type TableTarget,
} from './table-checks.js';
import { checkWorkgroup, resultSettings, type WorkgroupFacts } from './workgroup-check.js';
import { checkResultsWritable, type ResultsTarget } from './write-check.js';

export interface CheckOptions {
  runId: string;
  runStarted: Date;
  /** Write and remove a probe object under each results location (default true). */
  writeCheck: boolean;
  /** EXPLAIN each rendered query. */
  explain: boolean;
  signal?: AbortSignal;
  /** Bounds every account's EXPLAINs together (`concurrency.queries`). */
  explainSlots: LimitFunction;
}

/** Metadata calls (Glue, S3 list and write) one account makes at once. */
const CALLS_PER_ACCOUNT = 8;

/** Per account: one client per service and region, sharing the account's chain. */
class Clients {
  private readonly made = new Map<string, unknown>();
  constructor(private readonly credentials: CredentialProvider) {}
  private get<T>(key: string, make: () => T): T {
    if (!this.made.has(key)) this.made.set(key, make());
    return this.made.get(key) as T;
  }
  athena = (region: string) =>
    this.get(
      `athena/${region}`,
      () => new AthenaClient(awsClientConfig('athena', { region, credentials: this.credentials })),
    );
  glue = (region: string) =>
    this.get(
      `glue/${region}`,
      () => new GlueClient(awsClientConfig('glue', { region, credentials: this.credentials })),
    );
  s3 = (region: string) =>
    this.get(
      `s3/${region}`,
      // A bucket in another region answers with a redirect the client then follows.
      () =>
        new S3Client({
          ...awsClientConfig('s3', { region, credentials: this.credentials }),
          followRegionRedirects: true,
        }),
    );
}

/** Adds `query` to the entry under `key`, creating it with `make` the first time. */
function collect<T extends { queries: string[] }>(
  map: Map<string, T>,
  key: string,
  query: string,
  make: () => T,
) {
  const entry = map.get(key) ?? make();
  if (!entry.queries.includes(query)) entry.queries.push(query);
  map.set(key, entry);
  return entry;
}

function tableTargets(targets: QueryTarget[]): Map<string, TableTarget> {
  const tables = new Map<string, TableTarget>();
  for (const t of targets) {
    if (t.sql === undefined) continue;
    const refs = tableReferences(t.sql, { catalog: t.query.catalog, database: t.query.database });
    for (const table of refs) {
      // Athena's own metadata views, not Glue tables.
      if (table.database === 'information_schema') continue;
      const key = `${t.region}/${table.catalog}.${table.database}.${table.table}`;
      collect(tables, key, t.query.name, () => ({ region: t.region, table, queries: [] }));
    }
  }
  return tables;
}

async function checkData(
  clients: Clients,
  targets: QueryTarget[],
  limit: LimitFunction,
  signal?: AbortSignal,
) {
  const results: CheckResult[] = [];
  const locations = new Map<string, LocationTarget>();
  await Promise.all(
    [...tableTargets(targets).values()].map((t) =>
      limit(async () => {
        if (!isGlueCatalog(t.table.catalog)) {
          const resource = `${t.table.catalog}.${t.table.database}.${t.table.table}@${t.region}`;
          const note = `catalog ${t.table.catalog} is not the account's Glue Data Catalog: checked by --explain only`;
          results.push({
            check: 'table',
            action: 'glue:GetTable',
            resource,
            region: t.region,
            queries: t.queries,
            ok: true,
            notes: [note],
          });
          return;
        }
        const { result, locations: found } = await checkTable(clients.glue(t.region), t, signal);
        results.push(result);
        for (const l of found) {
          const seen = locations.get(l.url);
          if (seen) seen.queries = [...new Set([...seen.queries, ...l.queries])];
          else locations.set(l.url, { ...l, queries: [...l.queries] });
        }
      }),
    ),
  );
  results.push(
    ...(await Promise.all(
      [...locations.values()].map((l) => limit(() => checkLocation(clients.s3(l.region), l, signal))),
    )),
  );
  return results;
}

/**
 * Where each query's results land (and how they are encrypted), and a `fetch: unload` query's own
 * `unload.location`: one probe per distinct place. DeleteObject must work where the run deletes parts.
 */
function probeTargets(
  targets: QueryTarget[],
  facts: Map<string, WorkgroupFacts>,
): Map<string, ResultsTarget> {
  const probes = new Map<string, ResultsTarget>();
  const add = (
    t: QueryTarget,
    location: string,
    encryption: ResultsTarget['encryption'],
    deletes: boolean,
  ) => {
    const key = `${t.region} ${location} ${JSON.stringify(encryption ?? null)}`;
    const probe = collect(probes, key, t.query.name, () => ({
      location,
      region: t.region,
      ...(encryption ? { encryption } : {}),
      queries: [],
      needsDelete: false,
    }));
    if (deletes) probe.needsDelete = true;
  };
  for (const t of targets) {
    const { location, encryption } = resultSettings(facts.get(`${t.region}/${t.query.workgroup}`), {
      ...(t.outputLocation ? { outputLocation: t.outputLocation } : {}),
      ...(t.query.encryption ? { encryption: t.query.encryption } : {}),
    });
    const unload = t.query.fetch === 'unload';
    const deletes = unload && !t.query.unload.keep;
    if (location) add(t, location, encryption, deletes && t.unloadLocation === undefined);
    if (unload && t.unloadLocation) add(t, t.unloadLocation, encryption, deletes);
  }
  return probes;
}

async function checkWorkgroupsAndQueries(
  clients: Clients,
  targets: QueryTarget[],
  opts: CheckOptions,
  limit: LimitFunction,
): Promise<{ results: CheckResult[]; workgroups: WorkgroupFacts[] }> {
  const groups = new Map<
    string,
    { region: string; workgroup: string; queries: string[]; configured: string[] }
  >();
  for (const t of targets) {
    const g = collect(groups, `${t.region}/${t.query.workgroup}`, t.query.name, () => ({
      region: t.region,
      workgroup: t.query.workgroup,
      queries: [],
      configured: [],
    }));
    if (t.outputLocation && !g.configured.includes(t.outputLocation)) g.configured.push(t.outputLocation);
  }
  const checked = await Promise.all(
    [...groups.values()].map((g) => checkWorkgroup(clients.athena(g.region), g, opts.signal)),
  );
  const facts = new Map(checked.map(({ facts: f }) => [`${f.region}/${f.workgroup}`, f]));
  const results = checked.map((c) => c.result);
  const probes = opts.writeCheck ? probeTargets(targets, facts) : new Map<string, ResultsTarget>();
  const explained = opts.explain
    ? targets.filter(
        (t): t is QueryTarget & { sql: string } =>
          t.sql !== undefined && facts.get(`${t.region}/${t.query.workgroup}`)?.ok === true,
      )
    : [];
  results.push(
    ...(await Promise.all([
      ...[...probes.values()].map((p) =>
        limit(() => checkResultsWritable(clients.s3(p.region), p, opts.runId, opts.signal)),
      ),
      ...explained.map((t) =>
        opts.explainSlots(() => checkExplain(clients.athena(t.region), t, opts.signal)),
      ),
    ])),
  );
  return { results, workgroups: [...facts.values()] };
}

/** The chain (GetCallerIdentity through it), then every other check of the account. */
export async function runAccountChecks(
  config: PipelineConfig,
  account: Account,
  credentials: CredentialProvider,
  opts: CheckOptions,
): Promise<{
  callerArn?: string;
  chainError?: UnitError;
  results: CheckResult[];
  workgroups: WorkgroupFacts[];
}> {
  let callerArn: string;
  try {
    const sts = new STSClient(awsClientConfig('sts', { region: config.region, credentials }));
    const me = await sts.send(
      new GetCallerIdentityCommand({}),
      opts.signal ? { abortSignal: opts.signal } : {},
    );
    callerArn = me.Arn ?? '?';
  } catch (err) {
    return { chainError: unitError(err), results: [], workgroups: [] };
  }
  const clients = new Clients(credentials);
  const targets = queryTargets(config, account, opts);
  const rendering = targets
    .filter((t) => t.renderError !== undefined)
    .map((t) => {
      const base = { check: 'sql' as const, action: 'render', resource: `${t.query.name}@${t.region}` };
      return failed({ ...base, region: t.region, queries: [t.query.name] }, 'TemplateError', t.renderError!);
    });
  const limit = pLimit(CALLS_PER_ACCOUNT);
  const [data, rest] = await Promise.all([
    checkData(clients, targets, limit, opts.signal),
    checkWorkgroupsAndQueries(clients, targets, opts, limit),
  ]);
  return { callerArn, results: [...rendering, ...rest.results, ...data], workgroups: rest.workgroups };
}
