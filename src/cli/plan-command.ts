import type { Logger } from 'pino';
import { loadConfig } from '../config/index.js';
import { ConfigError, unitError } from '../errors.js';
import { EXIT } from '../manifest.js';
import { buildCredentials } from './build-credentials.js';
import {
  checkAccess,
  accessSummary,
  formatAccessCheck,
  formatAccessSummary,
  formatStopped,
  type AccessCheck,
  buildPlan,
  formatPlan,
  resolveAccounts,
  makeRunId,
} from '../plan/index.js';
import { windowsForPlan } from './plan-windows-option.js';

export interface PlanOptions {
  config?: string;
  json?: boolean;
  checkAccess?: boolean;
  /** Show the windows a `run --full-refresh` would read. */
  fullRefresh?: boolean;
  /** With --check-access: EXPLAIN each rendered query (implies --check-access). */
  explain?: boolean;
  /** `--no-write-check` sets it false: no probe object is written under the results locations. */
  writeCheck?: boolean;
}

/** SIGINT/SIGTERM abort the checks (EXPLAINs in flight are stopped); a second signal exits at once. */
function interruption(): { signal: AbortSignal; signalName: () => string | undefined; settled: () => void } {
  const controller = new AbortController();
  let name: 'SIGINT' | 'SIGTERM' | undefined;
  const on = (n: 'SIGINT' | 'SIGTERM') => () => {
    if (name) process.exit(n === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
    name = n;
    process.stderr.write(`interrupted: stopping the checks in flight (send ${n} again to exit at once)\n`);
    controller.abort();
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    signalName: () => name,
    settled: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

/**
 * `athena-fanout plan`: the accounts, chains, regions and SQL a run would use, without running a query.
 * With `--check-access`, also checks in every account what a run would need (see checkAccess): exit 1
 * if any check fails.
 */
export async function planCommand(opts: PlanOptions, log?: Logger): Promise<number> {
  const { config, warnings } = await loadConfig(opts.config ? { configPath: opts.config } : {});
  const runId = makeRunId(new Date());
  const { base, resolver } = buildCredentials(config, { runId, ...(log ? { log } : {}) });
  let resolved;
  try {
    resolved = await resolveAccounts(config, resolver, base);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ error: unitError(err) }, null, 2)}\n`);
    } else {
      process.stdout.write(`${formatStopped(err)}\n`);
    }
    return opts.checkAccess || opts.explain ? EXIT.partial : EXIT.nothing;
  }
  const windows = await windowsForPlan(config, resolved.selected, runId, opts.fullRefresh === true);
  const plan = buildPlan(config, resolved, warnings, runId, windows);
  const checking = opts.checkAccess === true || opts.explain === true;
  if (!checking) {
    process.stdout.write(opts.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
    // A query whose template cannot be rendered would fail in every account; an account whose
    // overrides cannot be filled (a missing tag) would fail alone.
    if (plan.queries.some((q) => q.renderError)) return EXIT.usage;
    return plan.queries.some((q) => q.overridden?.some((s) => s.error)) ? EXIT.partial : EXIT.ok;
  }
  if (!opts.json) {
    process.stdout.write(
      `Checking ${resolved.selected.length} accounts (at most ${config.concurrency.accounts} at once)\n`,
    );
  }
  const interrupt = interruption();
  let checks: AccessCheck[];
  try {
    checks = await checkAccess(config, resolved, {
      runId,
      signal: interrupt.signal,
      writeCheck: opts.writeCheck !== false,
      explain: opts.explain === true,
      ...(opts.json
        ? {}
        : {
            onCheck: (c) => {
              process.stdout.write(`${formatAccessCheck(c)}\n`);
            },
          }),
    });
  } finally {
    interrupt.settled();
  }
  if (opts.json) {
    const summary = accessSummary(checks);
    process.stdout.write(`${JSON.stringify({ ...plan, access: checks, accessSummary: summary }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatAccessSummary(checks)}\n`);
  }
  const signalName = interrupt.signalName();
  if (signalName) return signalName === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
  return checks.some((c) => !c.ok) ? EXIT.partial : EXIT.ok;
}
