import type { Logger } from 'pino';
import { loadConfig } from '../config/index.js';
import { ConfigError, unitError } from '../errors.js';
import { EXIT } from '../manifest.js';
import { buildCredentials } from './build-credentials.js';
import {
  checkAccess,
  formatAccessCheck,
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
}

/**
 * `athena-fanout plan`: the accounts, chains, regions and SQL a run would use, without running a query.
 * With `--check-access`, also assumes every chain and checks its Athena workgroups: exit 1 if any fails.
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
    return opts.checkAccess ? EXIT.partial : EXIT.nothing;
  }
  const windows = await windowsForPlan(config, resolved.selected, runId, opts.fullRefresh === true);
  const plan = buildPlan(config, resolved, warnings, runId, windows);
  if (!opts.checkAccess) {
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
  const checks: AccessCheck[] = await checkAccess(config, resolved, {
    ...(opts.json
      ? {}
      : {
          onCheck: (c) => {
            process.stdout.write(`${formatAccessCheck(c)}\n`);
          },
        }),
  });
  const failed = checks.filter((c) => !c.ok).length;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...plan, access: checks }, null, 2)}\n`);
  } else {
    process.stdout.write(`${checks.length - failed} OK, ${failed} failed\n`);
  }
  return failed > 0 ? EXIT.partial : EXIT.ok;
}
