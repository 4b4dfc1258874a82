import type { SkippedAccount } from '../accounts/index.js';
import type { PipelineConfig } from '../config/index.js';
import type { resolveAccounts, Shard } from '../plan/index.js';
import type { ManifestDraft } from './run-report.js';

/** A run's manifest before anything ran: no account, no unit, the config's warnings. */
export function runDraft(
  config: PipelineConfig,
  run: { runId: string; started: Date; warnings: string[]; shard?: Shard },
): ManifestDraft {
  return {
    manifestVersion: 1,
    runId: run.runId,
    interrupted: false,
    startedAt: run.started.toISOString(),
    ...(config.configFile ? { configFile: config.configFile } : {}),
    region: config.region,
    pricePerTB: config.pricePerTB,
    ...(run.shard ? { shard: { ...run.shard } } : {}),
    accounts: { discovered: 0, selected: 0, skipped: [] },
    units: [],
    outputs: [],
    warnings: [...run.warnings],
  };
}

/** The manifest's account counts and skipped accounts (with why) from the resolved accounts. */
export function accountsRecord(
  resolved: Awaited<ReturnType<typeof resolveAccounts>>,
): ManifestDraft['accounts'] {
  const { all, selected, skipped, managementAccountId } = resolved;
  return {
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
}
