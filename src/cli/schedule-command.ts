import type { Logger } from 'pino';
import { loadConfig, type PipelineConfig, type ScheduleConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { EXIT } from '../manifest.js';
import { closeServer, ScheduledRuns, serveHealth } from '../run/index.js';
import { runCommand } from './run-command.js';

export interface ScheduleOptions {
  /** Liveness endpoint on 127.0.0.1 (GET /healthz, also /). */
  healthPort?: number;
}

/**
 * `athena-fanout schedule`: runs the pipeline on `schedule.cron` until SIGTERM/SIGINT. Never two runs
 * at once: a tick while a run is active is skipped and logged. On a signal no new run starts; an
 * active run is drained (up to `shutdownDeadlineSeconds`, then cancelled) or cancelled at once.
 */
export async function scheduleCommand(
  configPath: string | undefined,
  opts: ScheduleOptions,
  log: Logger,
): Promise<number> {
  const { config } = await loadConfig(configPath ? { configPath } : {});
  const schedule = requireSchedule(config);
  const runs = new ScheduledRuns({
    schedule,
    log,
    run: (signal) =>
      runCommand(configPath, log, { signal, handleSignals: false }).catch((err: unknown) => {
        log.error({ error: err instanceof Error ? err.message : String(err) }, 'scheduled run failed');
        // A config edited into an invalid state fails this run only; the next tick re-reads it.
        return err instanceof ConfigError ? EXIT.usage : EXIT.nothing;
      }),
  });
  const health =
    opts.healthPort === undefined ? undefined : await serveHealth(opts.healthPort, () => runs.health());
  if (health) log.info({ port: opts.healthPort }, 'health endpoint on 127.0.0.1');
  if (schedule.runOnStart) runs.start('start');

  const last = await runs.stop(await firstSignal());
  if (health) await closeServer(health);
  return last !== undefined && last !== EXIT.ok ? last : EXIT.ok;
}

function requireSchedule(config: PipelineConfig): ScheduleConfig {
  if (config.schedule) return config.schedule;
  throw new ConfigError([
    {
      path: 'schedule',
      message: 'required by the schedule command: add schedule: { cron: "0 2 * * *", timezone: UTC }',
      ...(config.configFile ? { file: config.configFile } : {}),
    },
  ]);
}

/** The first SIGINT or SIGTERM; from then on a second one exits at once. */
function firstSignal(): Promise<NodeJS.Signals> {
  return new Promise<NodeJS.Signals>((resolve) => {
    const first = (name: NodeJS.Signals) => () => {
      process.on('SIGINT', () => process.exit(EXIT.sigint));
      process.on('SIGTERM', () => process.exit(EXIT.sigterm));
      resolve(name);
    };
    process.once('SIGINT', first('SIGINT'));
    process.once('SIGTERM', first('SIGTERM'));
  });
}
