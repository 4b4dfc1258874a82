import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { ScheduleConfig } from '../config/index.js';

interface LastRun {
  startedAt: string;
  endedAt?: string;
  exitCode?: number;
}

export interface ScheduledRunsOptions {
  schedule: ScheduleConfig;
  /** One run, stopped when `signal` aborts; resolves to its exit code, whatever happened. */
  run: (signal: AbortSignal) => Promise<number>;
  log: Logger;
}

/**
 * Runs on `schedule.cron`, from construction until `stop`. Never two runs at once: a tick while a run
 * is active is skipped and logged.
 */
export class ScheduledRuns {
  readonly #opts: ScheduledRunsOptions;
  readonly #job: Cron;
  #active: { done: Promise<void>; controller: AbortController } | undefined;
  #stopping = false;
  #lastRun: LastRun | undefined;
  #skipped = 0;

  constructor(opts: ScheduledRunsOptions) {
    this.#opts = opts;
    const { cron, timezone } = opts.schedule;
    this.#job = new Cron(cron, { timezone }, () => {
      this.start('cron');
    });
    opts.log.info({ cron, timezone, next: this.#next() }, 'scheduler started');
  }

  #next(): string | undefined {
    return this.#job.nextRun()?.toISOString();
  }

  /** Starts a run now, unless one is active (skipped) or the scheduler is stopping. */
  start(reason: string): void {
    const { log } = this.#opts;
    if (this.#stopping) return;
    if (this.#active) {
      this.#skipped++;
      log.warn(
        { reason, skipped: this.#skipped, since: this.#lastRun?.startedAt },
        'run skipped: the previous run is still active',
      );
      return;
    }
    const controller = new AbortController();
    const run: LastRun = { startedAt: new Date().toISOString() };
    this.#lastRun = run;
    log.info({ reason }, 'scheduled run starting');
    const done = this.#opts
      .run(controller.signal)
      .then((code) => {
        run.exitCode = code;
      })
      .finally(() => {
        run.endedAt = new Date().toISOString();
        this.#active = undefined;
        log.info({ exitCode: run.exitCode, next: this.#next() }, 'scheduled run finished');
      });
    this.#active = { done, controller };
  }

  /** What the health endpoint answers. */
  health(): Record<string, unknown> {
    return {
      status: this.#stopping ? 'stopping' : 'ok',
      running: this.#active !== undefined,
      skipped: this.#skipped,
      nextRun: this.#next() ?? null,
      lastRun: this.#lastRun ?? null,
    };
  }

  /**
   * No new run from now on. An active run is drained (up to `shutdownDeadlineSeconds`, then cancelled)
   * or cancelled at once, per `schedule.shutdown`; returns its exit code, or undefined when none was active.
   */
  async stop(signalled: NodeJS.Signals): Promise<number | undefined> {
    const { log, schedule } = this.#opts;
    this.#stopping = true;
    this.#job.stop();
    const current = this.#active;
    if (!current) {
      log.info({ signal: signalled }, 'stopping: no run active');
      return undefined;
    }
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
    return this.#lastRun?.exitCode;
  }
}
