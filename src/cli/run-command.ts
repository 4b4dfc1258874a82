import { AthenaClient } from '@aws-sdk/client-athena';
import type { Logger } from 'pino';
import { loadConfig } from '../config/index.js';
import { awsClientConfig } from '../auth-chain/index.js';
import type { SkippedAccount } from '../accounts/account.js';
import { writeJsonAtomic } from '../sinks/index.js';
import { fanOut, type FanOutTask } from '../scheduler/index.js';
import { ConfigError } from '../errors.js';
import { finishManifest, summarize, type ManifestDraft } from '../run-report.js';
import { EXIT } from '../types.js';
import { buildCredentials } from './build-credentials.js';
import { resolveAccounts } from './resolve-accounts.js';
import { runUnit, type UnitValue } from './run-unit.js';
import { makeRunId, unitError } from './unit-error.js';
import { writeOutputs } from './write-outputs.js';

/** `athena-fanout run`: the whole job; returns the exit code. */
export async function runCommand(configPath: string | undefined, log: Logger): Promise<number> {
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

  const { base, resolver } = buildCredentials(config, { runId, log });
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
