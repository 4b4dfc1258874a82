import type { Command } from 'commander';
import type { Logger } from 'pino';
import { loadConfig } from '../config/index.js';
import { EXIT } from '../manifest.js';
import { scrubText } from '../observability/redact.js';
import { makeRunId, type Shard } from '../plan/index.js';
import { executeRun, type RunInterruption, summarize } from '../run/index.js';
import { buildCredentials } from './build-credentials.js';
import { addShardOptions, shardRunOptions } from './shard-options.js';

export interface RunOptions {
  /** Aborting it interrupts the run as SIGTERM would (used by `schedule`). */
  signal?: AbortSignal;
  /** false when a long-running caller (`schedule`) owns SIGINT/SIGTERM. */
  handleSignals?: boolean;
  /** Run only this shard's units: its parts of partitioned datasets, its units staged for `merge`. */
  shard?: Shard;
  /** Shared by every shard of one run. */
  runId?: string;
  /** Incremental queries read from `initial`, ignoring their state. */
  fullRefresh?: boolean;
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
  const { manifest, manifestPath } = await executeRun({
    config,
    warnings,
    runId,
    started,
    log,
    credentials: () => buildCredentials(config, { runId, log }),
    interruption: interruption(log, opts),
    ...(opts.shard ? { shard: opts.shard } : {}),
    resumable: opts.runId !== undefined,
    ...(opts.fullRefresh ? { fullRefresh: true } : {}),
  });
  process.stdout.write(scrubText(`${summarize(manifest, manifestPath)}\n`));
  return manifest.exitCode;
}

/**
 * SIGINT/SIGTERM (unless the caller owns them) and the caller's signal stop the queries in flight; a
 * second signal exits at once. The handlers go once the run's work is over.
 */
function interruption(log: Logger, opts: RunOptions): RunInterruption {
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
  const onCallerAbort = () => {
    signalName ??= 'SIGTERM';
    controller.abort();
  };
  // A caller (the scheduler) may cancel before this run got here: an aborted signal fires no event.
  if (opts.signal?.aborted) onCallerAbort();
  else opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    signalName: () => signalName,
    settled: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

/** Registers `run` and its flags. */
export function registerRunCommand(
  program: Command,
  logger: () => Logger,
  setCode: (code: number) => void,
): void {
  addShardOptions(
    program
      .command('run')
      .description('run every query in every selected account and write the outputs')
      .option(
        '-c, --config <file>',
        'config file (default: pipeline.config.yaml found from the current directory)',
      ),
  )
    .option(
      '--full-refresh',
      'incremental queries read from their `initial`, ignoring (then rewriting) their state',
    )
    .action(
      async (opts: {
        config?: string;
        shard?: string;
        shardCount?: string;
        runId?: string;
        fullRefresh?: boolean;
      }) => {
        const fullRefresh = opts.fullRefresh ? { fullRefresh: true } : {};
        setCode(await runCommand(opts.config, logger(), { ...shardRunOptions(opts), ...fullRefresh }));
      },
    );
}
