import type { Logger } from 'pino';
import { loadConfig } from '../config/index.js';
import type { SkippedAccount } from '../accounts/index.js';
import { writeJsonAtomic } from '../sinks/index.js';
import { ConfigError, unitError } from '../errors.js';
import { CsvDecodePool } from '../extract/index.js';
import {
  finishManifest,
  summarize,
  type ManifestDraft,
  runUnits,
  writeOutputs,
  prepareRun,
  publishMetrics,
} from '../run/index.js';
import { EXIT } from '../manifest.js';
import { buildCredentials } from './build-credentials.js';
import {
  resolveAccounts,
  planUnits,
  makeRunId,
  itemsOfShard,
  shardManifestPath,
  shardStagingRoot,
  type Shard,
} from '../plan/index.js';
import { scrubStrings, scrubText } from '../observability/redact.js';
import { httpStats } from '../aws/index.js';

export interface RunOptions {
  /** Aborting it interrupts the run as SIGTERM would (used by `schedule`). */
  signal?: AbortSignal;
  /** false when a long-running caller (`schedule`) owns SIGINT/SIGTERM. */
  handleSignals?: boolean;
  /** Run only this shard's units: its parts of partitioned datasets, its units staged for `merge`. */
  shard?: Shard;
  /** Shared by every shard of one run. */
  runId?: string;
}

/** `athena-fanout run`: the whole job; returns the exit code. */
export async function runCommand(
  configPath: string | undefined,
  log: Logger,
  opts: RunOptions = {},
): Promise<number> {
  const { config, warnings } = await loadConfig(configPath ? { configPath } : {});
  for (const w of warnings) log.warn(w);
  const started = new Date();
  const runId = opts.runId ?? makeRunId(started);
  prepareRun(config, log);
  const controller = new AbortController();
  let signalName: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (name: 'SIGINT' | 'SIGTERM') => () => {
    if (signalName) process.exit(name === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
    signalName = name;
    log.warn({ signal: name }, 'interrupted: stopping queries in flight (send again to exit at once)');
    controller.abort();
  };
  const onInt = onSignal('SIGINT');
  const onTerm = onSignal('SIGTERM');
  if (opts.handleSignals !== false) {
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  }
  opts.signal?.addEventListener(
    'abort',
    () => {
      signalName ??= 'SIGTERM';
      controller.abort();
    },
    { once: true },
  );

  const draft: ManifestDraft = {
    manifestVersion: 1,
    runId,
    interrupted: false,
    startedAt: started.toISOString(),
    ...(config.configFile ? { configFile: config.configFile } : {}),
    region: config.region,
    pricePerTB: config.pricePerTB,
    ...(opts.shard ? { shard: { ...opts.shard } } : {}),
    accounts: { discovered: 0, selected: 0, skipped: [] },
    units: [],
    outputs: [],
    warnings: [...warnings],
  };
  log.info({ runId, config: config.configFile }, 'run started');

  const { base, resolver } = buildCredentials(config, { runId, log });
  try {
    const resolved = await resolveAccounts(config, resolver, base);
    const { all, selected, skipped, managementAccountId, warnings: accountWarnings } = resolved;
    draft.accounts = {
      discovered: all.length,
      selected: selected.length,
      ...(managementAccountId ? { managementAccountId } : {}),
      skipped: skipped.map((s: SkippedAccount) => ({
        accountId: s.account.id,
        ...(s.account.name ? { accountName: s.account.name } : {}),
        state: s.account.state,
        ...(s.account.ouPath ? { ouPath: s.account.ouPath } : {}),
        reason: s.reason,
      })),
    };
    log.info(
      { discovered: all.length, selected: selected.length, skipped: skipped.length },
      'accounts resolved',
    );
    for (const w of accountWarnings) log.warn(w);
    draft.warnings.push(...accountWarnings);

    const planned = planUnits(config, selected);
    const units = opts.shard
      ? itemsOfShard(planned, (u) => ({ accountId: u.account.id, region: u.region }), opts.shard)
      : planned;
    // One pool of CSV decoding workers (the cores but one) for the whole run; its workers start with the
    // first large result file, and stop as soon as no unit can read results any more.
    const csvPool = config.queries.some((q) => q.fetch !== 'api') ? new CsvDecodePool() : undefined;
    let results: Awaited<ReturnType<typeof runUnits>>;
    try {
      results = await runUnits(config, units, {
        runId,
        runStarted: started,
        signal: controller.signal,
        log,
        providerFor: (accountId) => resolved.providerFor(accountId),
        ...(process.stderr.isTTY ? { tty: process.stderr } : {}),
        ...(csvPool ? { csvPool } : {}),
      });
    } finally {
      await csvPool?.close();
    }
    draft.units = results.map((r) => r.record);
    const staging = opts.shard ? { stagingRoot: shardStagingRoot(config.manifest, runId) } : undefined;
    const written = await writeOutputs(config, runId, results, log, staging);
    draft.outputs = written.outputs;
    draft.warnings.push(...written.warnings);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    draft.error = unitError(err);
    log.error({ error: draft.error }, 'run stopped');
  }
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
  draft.awsCalls = { requests: httpStats.requests, throttled: httpStats.throttled };
  const manifest = finishManifest(draft, new Date(), signalName);
  const manifestPath = opts.shard ? shardManifestPath(config.manifest, runId, opts.shard) : config.manifest;
  // AWS messages sometimes echo a parameter; the manifest is shared more widely than logs.
  await writeJsonAtomic(manifestPath, scrubStrings(manifest));
  await publishMetrics(config, manifest, log, opts.shard);
  log.info({ status: manifest.status, exitCode: manifest.exitCode, manifest: manifestPath }, 'run finished');
  process.stdout.write(scrubText(`${summarize(manifest, manifestPath)}\n`));
  return manifest.exitCode;
}
