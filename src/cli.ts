#!/usr/bin/env node
// The only module that wires the stages together: config → auth-chain → accounts → extract → sinks,
// with the scheduler running one unit per (account, query).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AthenaClient } from '@aws-sdk/client-athena';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { Command, CommanderError } from 'commander';
import { pino, type Logger } from 'pino';
import { loadConfig, type PipelineConfig } from './config/index.js';
import { awsClientConfig, baseCredentialProvider, RoleChainResolver } from './auth-chain/index.js';
import type { CredentialProvider } from './auth-chain/index.js';
import { renderRoleChain } from './auth-chain/role-hop.js';
import type { Account, SkippedAccount } from './accounts/account.js';
import {
  accountsFromList,
  describeOrganization,
  listOrganizationAccounts,
  selectAccounts,
} from './accounts/index.js';
import { executeQuery, readQueryResults, type QueryResultData } from './extract/index.js';
import {
  conformBatch,
  unionSchemas,
  writeArrowFile,
  writeJsonAtomic,
  writeParquetFile,
} from './sinks/index.js';
import { fanOut, retry, type FanOutTask } from './scheduler/index.js';
import { ConfigError, describeError, FanoutError } from './errors.js';
import { finishManifest, summarize, type ManifestDraft } from './run-report.js';
import { EXIT, type OutputRecord, type UnitError, type UnitRecord } from './types.js';

const UNIT_ATTEMPTS = 3;

interface UnitValue {
  record: UnitRecord;
  data?: QueryResultData;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function makeRunId(now: Date): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

function unitError(err: unknown): UnitError {
  const d = describeError(err);
  const pick = (k: keyof UnitError) => (d[k] === undefined ? {} : { [k]: d[k] });
  return {
    message: typeof d.message === 'string' ? d.message : String(err),
    ...pick('stage'),
    ...pick('chain'),
    ...pick('hopIndex'),
    ...pick('roleArn'),
    ...pick('callerArn'),
    ...pick('awsCode'),
    ...pick('awsMessage'),
    ...pick('queryExecutionId'),
    ...pick('retryable'),
  };
}

function isRetryable(err: unknown): boolean {
  return err instanceof FanoutError && err.retryable && err.context.cancelled !== true;
}

/** Discovers accounts and decides, per account, which credentials query it. */
async function resolveAccounts(
  config: PipelineConfig,
  resolver: RoleChainResolver,
  base: CredentialProvider,
) {
  const master = config.auth.masterRoleChain;
  const masterProvider = master.length > 0 ? resolver.provider(master, { chain: 'master' }) : base;
  let all: Account[];
  let managementAccountId: string | undefined;
  if (config.accounts.source === 'organization') {
    const orgs = new OrganizationsClient(
      awsClientConfig('organizations', { region: 'us-east-1', credentials: masterProvider }),
    );
    all = await listOrganizationAccounts(orgs);
    managementAccountId = (await describeOrganization(orgs)).managementAccountId;
  } else {
    all = accountsFromList(config.accounts.ids);
    managementAccountId = master.at(-1)?.arn.split(':')[4];
  }
  const { selected, skipped } = selectAccounts(all, {
    include: config.accounts.include,
    exclude: config.accounts.exclude,
  });
  const providerFor = (accountId: string): CredentialProvider => {
    if (accountId === managementAccountId && config.auth.managementAccountChain === 'master') {
      return masterProvider;
    }
    const own = renderRoleChain(config.auth.accountRoleChain, accountId);
    const hops = config.auth.accountChainFrom === 'master' ? [...master, ...own] : own;
    return resolver.provider(hops, { chain: 'account', accountId });
  };
  return { all, selected, skipped, managementAccountId, providerFor };
}

async function runUnit(
  athena: AthenaClient,
  account: Account,
  query: PipelineConfig['queries'][number],
  signal: AbortSignal,
): Promise<UnitValue> {
  const record: UnitRecord = {
    accountId: account.id,
    ...(account.name ? { accountName: account.name } : {}),
    query: query.name,
    state: 'failed',
    attempts: 0,
    queryExecutionIds: [],
    rows: 0,
    startedAt: new Date().toISOString(),
  };
  const outputLocation = query.outputLocation?.replace(/<accountId>|\{accountId\}/g, account.id);
  try {
    const data = await retry(
      async () => {
        record.attempts++;
        const executed = await executeQuery(
          athena,
          {
            queryName: query.name,
            sql: query.sql,
            workgroup: query.workgroup,
            ...(query.database ? { database: query.database } : {}),
            ...(query.catalog ? { catalog: query.catalog } : {}),
            ...(outputLocation ? { outputLocation } : {}),
          },
          { signal, onStarted: (id) => record.queryExecutionIds.push(id) },
        );
        Object.assign(record, executed.stats);
        return readQueryResults(athena, executed.queryExecutionId, {
          extraColumns: [{ name: 'account_id', value: account.id }],
          signal,
          context: { accountId: account.id, queryName: query.name },
        });
      },
      { attempts: UNIT_ATTEMPTS, isRetryable, signal },
    );
    record.state = 'succeeded';
    record.rows = data.rows;
    return { record, data };
  } catch (err) {
    record.state = signal.aborted ? 'cancelled' : 'failed';
    record.error = unitError(err);
    return { record };
  } finally {
    record.endedAt = new Date().toISOString();
  }
}

function renderPath(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(query|runId|runDate)\}/g, (_, k: string) => vars[k] ?? '');
}

/** Writes one merged file per query and sink from the units that succeeded, in account order. */
async function writeOutputs(config: PipelineConfig, runId: string, results: UnitValue[], log: Logger) {
  const outputs: OutputRecord[] = [];
  const warnings: string[] = [];
  for (const query of config.queries) {
    const parts = results.filter((r) => r.record.query === query.name && r.data).map((r) => r.data!);
    if (parts.length === 0) {
      warnings.push(`query ${query.name}: no account succeeded, so no output file was written`);
      continue;
    }
    const { schema, warnings: schemaWarnings } = unionSchemas(parts.map((p) => p.schema));
    warnings.push(...schemaWarnings.map((w) => `query ${query.name}: ${w}`));
    const batches = function* () {
      for (const p of parts) for (const b of p.batches) yield conformBatch(b, schema);
    };
    const vars = { query: query.name, runId, runDate: runId.slice(0, 8) };
    for (const sink of config.sinks) {
      const path = renderPath(sink.path, vars);
      const written =
        sink.type === 'parquet'
          ? await writeParquetFile(path, schema, batches(), { compression: sink.compression })
          : await writeArrowFile(path, schema, batches());
      outputs.push({ query: query.name, type: sink.type, path, rows: written.rows, bytes: written.bytes });
      log.info({ query: query.name, path, rows: written.rows }, 'output written');
    }
  }
  return { outputs, warnings };
}

async function run(configPath: string | undefined, log: Logger): Promise<number> {
  const { config, warnings } = await loadConfig(configPath ? { configPath } : {});
  for (const w of warnings) log.warn(w);
  const started = new Date();
  const runId = makeRunId(started);
  const controller = new AbortController();
  let signalName: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (name: 'SIGINT' | 'SIGTERM') => () => {
    if (signalName) process.exit(name === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
    signalName = name;
    log.warn({ signal: name }, 'interrupted: stopping queries in flight (send again to exit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSignal('SIGINT'));
  process.on('SIGTERM', onSignal('SIGTERM'));

  const draft: ManifestDraft = {
    manifestVersion: 1,
    runId,
    interrupted: false,
    startedAt: started.toISOString(),
    ...(config.configFile ? { configFile: config.configFile } : {}),
    region: config.region,
    accounts: { discovered: 0, selected: 0, skipped: [] },
    units: [],
    outputs: [],
    warnings: [...warnings],
  };
  log.info({ runId, config: config.configFile }, 'run started');

  const base = baseCredentialProvider();
  const resolver = new RoleChainResolver({
    region: config.region,
    base,
    onAssumeRole: (e) => {
      log.debug(
        { chain: e.chain, accountId: e.accountId, hop: e.hopIndex, role: e.roleArn, ok: e.ok },
        'assume role',
      );
    },
  });
  try {
    const { all, selected, skipped, managementAccountId, providerFor } = await resolveAccounts(
      config,
      resolver,
      base,
    );
    draft.accounts = {
      discovered: all.length,
      selected: selected.length,
      ...(managementAccountId ? { managementAccountId } : {}),
      skipped: skipped.map((s: SkippedAccount) => ({
        accountId: s.account.id,
        ...(s.account.name ? { accountName: s.account.name } : {}),
        state: s.account.state,
        reason: s.reason,
      })),
    };
    log.info(
      { discovered: all.length, selected: selected.length, skipped: skipped.length },
      'accounts resolved',
    );

    const clients = new Map<string, AthenaClient>();
    const athenaFor = (accountId: string) => {
      let c = clients.get(accountId);
      if (!c) {
        c = new AthenaClient(
          awsClientConfig('athena', { region: config.region, credentials: providerFor(accountId) }),
        );
        clients.set(accountId, c);
      }
      return c;
    };
    const tasks: FanOutTask<UnitValue>[] = selected.flatMap((account) =>
      config.queries.map((query) => ({
        id: `${account.id}/${query.name}`,
        group: account.id,
        run: (signal: AbortSignal) => runUnit(athenaFor(account.id), account, query, signal),
      })),
    );
    const outcomes = await fanOut(tasks, {
      concurrency: config.concurrency.queries,
      perGroup: config.concurrency.perAccount,
      signal: controller.signal,
      onSettled: (o) => {
        if (!o.ok) return;
        const r = o.value.record;
        const level = r.state === 'succeeded' ? 'info' : 'warn';
        log[level](
          { account: r.accountId, query: r.query, state: r.state, rows: r.rows, error: r.error },
          'unit done',
        );
      },
    });
    const results: UnitValue[] = outcomes.map((o, i) => {
      if (o.ok) return o.value;
      const [accountId, query] = tasks[i]!.id.split('/') as [string, string];
      return {
        record: {
          accountId,
          query,
          state: o.cancelled ? 'cancelled' : 'failed',
          attempts: 0,
          queryExecutionIds: [],
          rows: 0,
          error: unitError(o.error),
        },
      };
    });
    draft.units = results.map((r) => r.record);
    const written = await writeOutputs(config, runId, results, log);
    draft.outputs = written.outputs;
    draft.warnings.push(...written.warnings);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    draft.error = unitError(err);
    log.error({ error: draft.error }, 'run stopped');
  }
  const manifest = finishManifest(draft, new Date(), signalName);
  await writeJsonAtomic(config.manifest, manifest);
  log.info(
    { status: manifest.status, exitCode: manifest.exitCode, manifest: config.manifest },
    'run finished',
  );
  process.stdout.write(`${summarize(manifest, config.manifest)}\n`);
  return manifest.exitCode;
}

async function validate(configPath: string | undefined): Promise<number> {
  const { config, warnings } = await loadConfig(configPath ? { configPath } : {});
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(
    `${config.configFile ?? 'config'} is valid: ${config.queries.length} queries, ${config.sinks.length} sinks.\n`,
  );
  return EXIT.ok;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command()
    .name('athena-fanout')
    .description('Run Athena queries in every account of an AWS Organization and merge the results.')
    .version(version())
    .option(
      '--log-level <level>',
      'log level: trace, debug, info, warn, error, silent',
      process.env.LOG_LEVEL ?? 'info',
    )
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const logger = () =>
    pino(
      { level: program.opts<{ logLevel: string }>().logLevel, base: { pid: process.pid } },
      pino.destination(2),
    );
  program
    .command('run')
    .description('run every query in every selected account and write the outputs')
    .option(
      '-c, --config <file>',
      'config file (default: pipeline.config.yaml found from the current directory)',
    )
    .action(async (opts: { config?: string }) => {
      code = await run(opts.config, logger());
    });
  program
    .command('validate')
    .description('check the config file without calling AWS')
    .option('-c, --config <file>', 'config file')
    .action(async (opts: { config?: string }) => {
      code = await validate(opts.config);
    });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error:\n${err.message.replace(/^/gm, '  ')}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  return code;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`athena-fanout: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.nothing;
  },
);
