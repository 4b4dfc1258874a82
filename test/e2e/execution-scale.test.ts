import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import { emulatorEnv, runCli, type CliResult } from '../helpers/cli.js';
import { emulatorDir } from '../helpers/org-run.js';
import { DENIED, EXCLUDED, EXTERNAL_ID, MANAGEMENT, MEMBERS, orgScenario } from '../helpers/org-scenario.js';
import { orgConfigYaml } from '../helpers/pipeline-yaml.js';

/** Queries every selected account runs (the management account and the members; one denies its role). */
const QUERIES = `queries:
  - name: inventory
    sql: SELECT id, note FROM inventory
  - name: flaky
    sql: SELECT count(*) AS n FROM inventory WHERE 'flaky' = 'flaky'
  - name: broken
    sql: SELECT * FROM broken_table
    accounts: ["${MEMBERS[0]}"]
`;

function configYaml(top: string, queries = QUERIES): string {
  return orgConfigYaml(
    `${top}accounts:
  exclude: ["${EXCLUDED}"]
${queries}sinks:
  - { type: parquet, path: out/{query}.parquet }
`,
    { auth: { externalId: EXTERNAL_ID } },
  );
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function setUp(knobs: NonNullable<ScenarioInput['knobs']>, yaml: string) {
  const base = orgScenario();
  const scenario = { ...base, knobs: { ...base.knobs, ...knobs } };
  const setup = await emulatorDir({ scenario, prefix: 'fanout-exec-', config: yaml });
  cleanup = setup.cleanup;
  return { emu: setup.emulator, cwd: setup.dir };
}

async function manifestOf(cwd: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(cwd, 'out/manifest.json'), 'utf8')) as Manifest;
}

const selectedAccounts = 1 + MEMBERS.length + 1; // management, members, the denied one

describe('run at scale against the emulator', () => {
  it('never exceeds concurrency.queries / perAccount, and 5 % throttling on every API fails nothing', async () => {
    const { emu, cwd } = await setUp(
      {
        queryLatencyMs: 120,
        throttle: { rate: 0.05, actions: [], seed: 11 },
        failQueries: [
          {
            match: "'flaky' = 'flaky'",
            times: 1,
            category: 1,
            retryable: true,
            message: 'GENERIC_INTERNAL_ERROR: transient',
          },
          {
            match: 'broken_table',
            category: 2,
            retryable: false,
            message: "TABLE_NOT_FOUND: Table 'broken_table' does not exist",
          },
        ],
      },
      configYaml('concurrency: { queries: 5, perAccount: 2, accounts: 3 }\n'),
    );
    const result = await runCli(['run'], { cwd, env: emulatorEnv(emu, { LOG_LEVEL: 'warn' }) });
    const m = await manifestOf(cwd);
    expect(result.code, result.stderr).toBe(1);
    // The limits held, and were reached (so the check could have failed).
    expect(emu.record.maxActiveQueries).toBe(5);
    expect(Math.max(...Object.values(emu.record.maxActiveQueriesByAccount))).toBe(2);
    // Throttling happened on several APIs, and no unit failed because of it.
    const throttledCalls = emu.record.calls.filter((c) =>
      /Throttl|TooManyRequests|SlowDown/.test(c.errorCode ?? ''),
    );
    // ~5 % of a few hundred calls; the exact draw depends on the calls' interleaving.
    expect(throttledCalls.length).toBeGreaterThanOrEqual(1);
    const failed = m.units.filter((u) => u.state !== 'succeeded');
    expect(failed.map((u) => `${u.accountId}/${u.query}`).sort()).toEqual(
      [`${DENIED}/broken`, `${DENIED}/flaky`, `${DENIED}/inventory`, `${MEMBERS[0]}/broken`]
        .filter((k) => !k.startsWith(`${DENIED}/broken`))
        .sort(),
    );
    // The SYSTEM failure was resubmitted once (a new execution id), the USER one never.
    const flaky = m.units.filter((u) => u.query === 'flaky' && u.state === 'succeeded');
    expect(flaky.filter((u) => u.attempts === 2 && u.queryExecutionIds.length === 2)).toHaveLength(1);
    const broken = m.units.find((u) => u.query === 'broken')!;
    expect(broken).toMatchObject({ state: 'failed', attempts: 1 });
    expect(broken.queryExecutionIds).toHaveLength(1);
    // Each unit started its query exactly once per attempt: no duplicate queries from retried Starts.
    const ours = emu.record.queries.length;
    expect(ours).toBe(m.units.reduce((n, u) => n + u.queryExecutionIds.length, 0));
    // Accounting: cost per unit (10 MB minimum at 5 USD/TB) and totals per account and query.
    const ok = m.units.find((u) => u.query === 'inventory' && u.state === 'succeeded')!;
    expect(ok.estimatedCostUSD).toBeCloseTo((10 / 1024 / 1024) * 5, 9);
    expect(m.byQuery!.inventory).toMatchObject({ units: selectedAccounts, succeeded: selectedAccounts - 1 });
    expect(m.byAccount![MANAGEMENT]!.units).toBe(2);
    expect(m.totals.estimatedCostUSD).toBeCloseTo(
      m.units.reduce((n, u) => n + (u.estimatedCostUSD ?? 0), 0),
      8,
    );
  });

  it('a start refused with CONCURRENT_QUERY_LIMIT_EXCEEDED waits and succeeds; the account limit adapts', async () => {
    const { emu, cwd } = await setUp(
      { queryLatencyMs: 150, maxConcurrentQueriesPerAccount: 1 },
      configYaml(
        'concurrency: { queries: 12, perAccount: 3 }\n',
        `queries:
  - { name: a, sql: SELECT 1 AS x }
  - { name: b, sql: SELECT 2 AS x }
  - { name: c, sql: SELECT 3 AS x }
`,
      ),
    );
    const result = await runCli(['run'], { cwd, env: emulatorEnv(emu, { LOG_LEVEL: 'warn' }) });
    const m = await manifestOf(cwd);
    expect(result.code, result.stderr).toBe(1); // only the denied account fails
    expect(m.units.filter((u) => u.state === 'succeeded')).toHaveLength((selectedAccounts - 1) * 3);
    const refusals = m.units.reduce((n, u) => n + (u.quotaRefusals ?? 0), 0);
    const refusedCalls = emu.record.calls.filter((c) => c.errorCode === 'TooManyRequestsException').length;
    expect(refusals).toBeGreaterThan(0);
    expect(refusedCalls).toBe(refusals);
    // AIMD: only the first burst (perAccount 3 against a quota of 1) was refused; once an account's limit
    // fell to 1 its other units waited for a slot instead of being refused again.
    const byAccount = new Map<string, number>();
    for (const u of m.units)
      byAccount.set(u.accountId, (byAccount.get(u.accountId) ?? 0) + (u.quotaRefusals ?? 0));
    expect(Math.max(...byAccount.values())).toBeLessThanOrEqual(2);
  });

  it('timeoutSeconds stops a slow query (StopQueryExecution): outcome timed_out', async () => {
    const { emu, cwd } = await setUp(
      { queryLatencyMs: 50, slowQueries: [{ match: 'slow_marker', latencyMs: 60_000 }] },
      configYaml(
        '',
        `queries:
  - { name: fast, sql: SELECT 1 AS x }
  - { name: slow, sql: "SELECT 'slow_marker' AS x", timeoutSeconds: 1 }
`,
      ),
    );
    const result = await runCli(['run'], { cwd, env: emulatorEnv(emu, { LOG_LEVEL: 'warn' }) });
    const m = await manifestOf(cwd);
    expect(result.code, result.stderr).toBe(1);
    const slow = m.units.filter((u) => u.query === 'slow' && u.accountId !== DENIED);
    expect(slow.every((u) => u.state === 'timed_out')).toBe(true);
    expect(m.totals.timedOut).toBe(slow.length);
    const slowIds = new Set(slow.flatMap((u) => u.queryExecutionIds));
    const states = emu.record.queries.filter((q) => slowIds.has(q.id)).map((q) => q.state);
    expect(states.length).toBe(slow.length);
    expect(new Set(states)).toEqual(new Set(['CANCELLED']));
  });
});

describe('failFast', () => {
  it('the first failed unit stops the others: queries in flight stopped, nothing new started', async () => {
    const { emu, cwd } = await setUp(
      {
        queryLatencyMs: 50,
        slowQueries: [{ match: 'slow_marker', latencyMs: 60_000 }],
        failQueries: [{ match: 'broken_table', category: 2, retryable: false, message: 'TABLE_NOT_FOUND' }],
      },
      configYaml(
        'failFast: true\nconcurrency: { queries: 4, perAccount: 2 }\n',
        `queries:
  - { name: slow, sql: "SELECT 'slow_marker' AS x" }
  - { name: broken, sql: SELECT * FROM broken_table, accounts: ["${MANAGEMENT}"] }
`,
      ),
    );
    const result = await runCli(['run'], { cwd, env: emulatorEnv(emu, { LOG_LEVEL: 'warn' }) });
    const m = await manifestOf(cwd);
    expect(result.code, result.stderr).toBe(3);
    expect(m.units.find((u) => u.query === 'broken')).toMatchObject({ state: 'failed', attempts: 1 });
    expect(m.units.filter((u) => u.query === 'slow').every((u) => u.state === 'cancelled')).toBe(true);
    expect(emu.record.queries.filter((q) => q.state === 'QUEUED' || q.state === 'RUNNING')).toEqual([]);
    // Only what was in flight when the failure came had started: far fewer than the units owed.
    expect(emu.record.queries.length).toBeLessThanOrEqual(4);
    expect(m.units.length).toBe(selectedAccounts + 1);
  });
});

describe('interruption', () => {
  it('a second signal exits at once, without waiting for the stops in flight', async () => {
    const { emu, cwd } = await setUp(
      { queryLatencyMs: 30_000, stopLatencyMs: 8_000 },
      configYaml(
        'concurrency: { queries: 4, perAccount: 2 }\n',
        `queries:\n  - { name: q, sql: SELECT 1 AS x }\n`,
      ),
    );
    let pid = 0;
    const run = runCli(['run'], {
      cwd,
      env: emulatorEnv(emu, { LOG_LEVEL: 'warn' }),
      onSpawn: (p) => (pid = p),
    });
    while (emu.record.activeQueries() < 4) await new Promise((r) => setTimeout(r, 50));
    process.kill(pid, 'SIGINT');
    // The first signal's StopQueryExecution calls are now in flight (each answers after 8 s).
    while (emu.record.calls.filter((c) => c.action === 'StopQueryExecution').length < 4) {
      await new Promise((r) => setTimeout(r, 20));
    }
    process.kill(pid, 'SIGINT');
    const result = await run;
    expect(result.code).toBe(130);
    // It did not wait for the stops to answer: no manifest was written.
    await expect(readFile(join(cwd, 'out/manifest.json'))).rejects.toThrow(/ENOENT/);
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} mid-run: stops every query in flight, writes the manifest as interrupted, exits ${code}`, async () => {
      const { emu, cwd } = await setUp(
        { queryLatencyMs: 30_000 },
        configYaml(
          'concurrency: { queries: 6, perAccount: 2 }\n',
          `queries:\n  - { name: q, sql: SELECT 1 AS x }\n`,
        ),
      );
      let pid = 0;
      const run = runCli(['run'], {
        cwd,
        env: emulatorEnv(emu, { LOG_LEVEL: 'warn' }),
        onSpawn: (p) => (pid = p),
      });
      // Wait until the run has queries in flight (no timing assumption: poll the emulator's record).
      while (emu.record.activeQueries() < 6) await new Promise((r) => setTimeout(r, 50));
      process.kill(pid, signal);
      const result: CliResult = await run;
      expect(result.code, result.stderr).toBe(code);
      // Nothing of ours is left QUEUED or RUNNING, and nothing new started after the signal.
      expect(emu.record.queries.filter((q) => q.state === 'QUEUED' || q.state === 'RUNNING')).toEqual([]);
      expect(emu.record.queries).toHaveLength(6);
      expect(new Set(emu.record.queries.map((q) => q.state))).toEqual(new Set(['CANCELLED']));
      const m = await manifestOf(cwd);
      expect(m).toMatchObject({ interrupted: true, status: 'interrupted', exitCode: code });
      expect(
        m.units.every((u) => u.state === 'cancelled' || (u.accountId === DENIED && u.state === 'failed')),
      ).toBe(true);
      // No partial file at the final output path: no unit succeeded, so no output at all.
      await expect(readFile(join(cwd, 'out/q.parquet'))).rejects.toThrow(/ENOENT/);
    });
  }
});
