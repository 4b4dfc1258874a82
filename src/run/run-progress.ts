import type { Logger } from 'pino';
import { formatBytes, formatUSD } from './run-report.js';
import type { UnitRecord } from '../manifest.js';

export interface ProgressOptions {
  units: number;
  accounts: number;
  log: Logger;
  /** A terminal to draw the live line on; absent = one JSON log line per finished unit. */
  tty?: NodeJS.WriteStream;
  /** Redraw period on a terminal (default 250 ms). */
  intervalMs?: number;
}

/**
 * What a run is doing. On a terminal a live line (accounts done/total, queries queued/running/done/
 * failed, rows, bytes scanned, cost so far, ETA); elsewhere one pino line per finished unit, state
 * changes at debug.
 */
export class RunProgress {
  private readonly started = Date.now();
  private running = 0;
  private done = 0;
  private failed = 0;
  private rows = 0;
  private bytes = 0;
  private cost = 0;
  private readonly unitsLeft = new Map<string, number>();
  private accountsDone = 0;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: ProgressOptions,
    unitAccounts: string[],
  ) {
    for (const a of unitAccounts) this.unitsLeft.set(a, (this.unitsLeft.get(a) ?? 0) + 1);
    if (opts.tty) {
      this.timer = setInterval(() => {
        this.draw();
      }, opts.intervalMs ?? 250);
      this.timer.unref();
    }
  }

  unitStarted(id: string): void {
    this.running++;
    this.opts.log.debug({ unit: id }, 'unit started');
  }

  queryStarted(id: string, queryExecutionId: string): void {
    this.opts.log.debug({ unit: id, queryExecutionId }, 'query started');
  }

  finished(r: UnitRecord, wasRunning: boolean): void {
    if (wasRunning) this.running = Math.max(0, this.running - 1);
    if (r.state === 'succeeded') this.done++;
    else this.failed++;
    this.rows += r.rows;
    this.bytes += r.dataScannedInBytes ?? 0;
    this.cost += r.estimatedCostUSD ?? 0;
    const left = (this.unitsLeft.get(r.accountId) ?? 1) - 1;
    this.unitsLeft.set(r.accountId, left);
    if (left === 0) this.accountsDone++;
    const fields = {
      account: r.accountId,
      ...(r.region ? { region: r.region } : {}),
      query: r.query,
      state: r.state,
      attempts: r.attempts,
      rows: r.rows,
      dataScannedInBytes: r.dataScannedInBytes,
      estimatedCostUSD: r.estimatedCostUSD,
      queryExecutionIds: r.queryExecutionIds,
      error: r.error,
    };
    const level = this.opts.tty ? 'debug' : r.state === 'succeeded' ? 'info' : 'warn';
    this.opts.log[level](fields, 'unit done');
  }

  /** The live line's text. */
  line(): string {
    const finished = this.done + this.failed;
    const queued = Math.max(0, this.opts.units - finished - this.running);
    const elapsed = Date.now() - this.started;
    const eta =
      finished === 0 || finished === this.opts.units
        ? ''
        : ` · ETA ${clock(((this.opts.units - finished) * elapsed) / finished)}`;
    return (
      `accounts ${this.accountsDone}/${this.opts.accounts} · queries ${queued} queued, ${this.running} running, ` +
      `${this.done} done, ${this.failed} failed · ${this.rows} rows · ${formatBytes(this.bytes)} scanned · ` +
      `${formatUSD(this.cost)}${eta}`
    );
  }

  private draw(): void {
    this.opts.tty?.write(`\r\x1b[K${this.line()}`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.opts.tty) this.opts.tty.write(`\r\x1b[K${this.line()}\n`);
  }
}

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
