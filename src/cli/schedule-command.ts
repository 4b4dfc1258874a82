import { createServer, type Server } from 'node:http';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { loadConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { EXIT } from '../manifest.js';
import { runCommand } from './run-command.js';

export interface ScheduleOptions {
  /** Liveness endpoint on 127.0.0.1 (GET /healthz, also /). */
  healthPort?: number;
}

interface LastRun {
  startedAt: string;
  endedAt?: string;
  exitCode?: number;
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
  const schedule = config.schedule;
  if (!schedule) {
    throw new ConfigError([
      {
        path: 'schedule',
        message: 'required by the schedule command: add schedule: { cron: "0 2 * * *", timezone: UTC }',
        ...(config.configFile ? { file: config.configFile } : {}),
      },
    ]);
  }
  let active: { done: Promise<void>; controller: AbortController } | undefined;
  let stopping = false;
  let lastRun: LastRun | undefined;
  let skipped = 0;

  const start = (reason: string) => {
    if (stopping) return;
    if (active) {
      skipped++;
      log.warn(
        { reason, skipped, since: lastRun?.startedAt },
        'run skipped: the previous run is still active',
      );
      return;
    }
    const controller = new AbortController();
    const run: LastRun = { startedAt: new Date().toISOString() };
    lastRun = run;
    log.info({ reason }, 'scheduled run starting');
    const done = runCommand(configPath, log, { signal: controller.signal, handleSignals: false })
      .then(
        (code) => {
          run.exitCode = code;
        },
        (err: unknown) => {
          // A config edited into an invalid state fails this run only; the next tick re-reads it.
          run.exitCode = err instanceof ConfigError ? EXIT.usage : EXIT.nothing;
          log.error({ error: err instanceof Error ? err.message : String(err) }, 'scheduled run failed');
        },
      )
      .finally(() => {
        run.endedAt = new Date().toISOString();
        active = undefined;
        log.info({ exitCode: run.exitCode, next: job.nextRun()?.toISOString() }, 'scheduled run finished');
      });
    active = { done, controller };
  };

  const job = new Cron(schedule.cron, { timezone: schedule.timezone }, () => {
    start('cron');
  });
  log.info(
    { cron: schedule.cron, timezone: schedule.timezone, next: job.nextRun()?.toISOString() },
    'scheduler started',
  );
  const health =
    opts.healthPort === undefined
      ? undefined
      : await serveHealth(opts.healthPort, () => ({
          status: stopping ? 'stopping' : 'ok',
          running: active !== undefined,
          skipped,
          nextRun: job.nextRun()?.toISOString() ?? null,
          lastRun: lastRun ?? null,
        }));
  if (health) log.info({ port: opts.healthPort }, 'health endpoint on 127.0.0.1');
  if (schedule.runOnStart) start('start');

  const signalled = await new Promise<NodeJS.Signals>((resolve) => {
    const first = (name: NodeJS.Signals) => () => {
      process.on('SIGINT', () => process.exit(EXIT.sigint));
      process.on('SIGTERM', () => process.exit(EXIT.sigterm));
      resolve(name);
    };
    process.once('SIGINT', first('SIGINT'));
    process.once('SIGTERM', first('SIGTERM'));
  });
  stopping = true;
  job.stop();
  let code: number = EXIT.ok;
  const current = active;
  if (current) {
    if (schedule.shutdown === 'cancel') {
      log.warn({ signal: signalled }, 'stopping: cancelling the active run');
      current.controller.abort();
    } else {
      log.warn(
        { signal: signalled, deadlineSeconds: schedule.shutdownDeadlineSeconds },
        'stopping: letting the active run finish (signal again to exit at once)',
      );
      const timer = setTimeout(() => {
        log.warn('shutdown deadline reached: cancelling the active run');
        current.controller.abort();
      }, schedule.shutdownDeadlineSeconds * 1000);
      await current.done;
      clearTimeout(timer);
    }
    await current.done;
    if (lastRun?.exitCode !== undefined && lastRun.exitCode !== EXIT.ok) code = lastRun.exitCode;
  } else {
    log.info({ signal: signalled }, 'stopping: no run active');
  }
  if (health) {
    await new Promise<void>((resolve) => {
      health.close(() => {
        resolve();
      });
    });
  }
  return code;
}

function serveHealth(port: number, state: () => Record<string, unknown>): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || !['/', '/healthz', '/livez'].includes(req.url ?? '')) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state()));
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve(server);
    });
  });
}
