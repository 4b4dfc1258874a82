import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type RunningEmulator, startEmulator } from '@athena-fanout/emulator';
import type { Account } from '../../src/accounts/index.js';
import { parseConfig, type PipelineConfig } from '../../src/config/index.js';
import { runUnits } from '../../src/run/index.js';
import { planUnits } from '../../src/plan/index.js';

let emu: RunningEmulator;
const saved = process.env.AWS_ENDPOINT_URL;
beforeAll(async () => {
  emu = await startEmulator({ scenario: 'emulator/scenarios/demo.yaml' });
  process.env.AWS_ENDPOINT_URL = emu.endpoint;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
  else process.env.AWS_ENDPOINT_URL = saved;
  await emu.close();
});

function config(extra: string): PipelineConfig {
  const result = parseConfig(
    parse(`version: 1
region: us-east-1
auth:
  accountRoleChain: [arn:aws:iam::<accountId>:role/AthenaReader]
${extra}queries:
  - { name: a, sql: SELECT 1 AS x, fetch: api }
  - { name: b, sql: SELECT 2 AS x, fetch: api, accounts: ["100000000001", "100000000002"] }
sinks:
  - { type: parquet, path: "{query}.parquet" }
`),
    { env: {} },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

const accounts: Account[] = Array.from({ length: 12 }, (_, i) => ({
  id: String(100000000001 + i),
  state: 'ACTIVE',
}));

describe('runUnits', () => {
  it('plans each query in its regions for the accounts its filter allows', () => {
    const units = planUnits(config(''), accounts);
    expect(units.filter((u) => u.query.name === 'a')).toHaveLength(12);
    expect(units.filter((u) => u.query.name === 'b').map((u) => u.account.id)).toEqual([
      '100000000001',
      '100000000002',
    ]);
  });

  it('concurrency.accounts bounds the accounts fetching their first credentials at once', async () => {
    const cfg = config('concurrency: { queries: 12, perAccount: 2, accounts: 3 }\n');
    let active = 0;
    let max = 0;
    const setups: string[] = [];
    // Every "account" gets the emulator's base credentials (so all queries run in one account);
    // what is measured is how many accounts are being set up at the same time.
    const providerFor = (accountId: string) => {
      let cached: typeof emu.baseCredentials | undefined;
      return async () => {
        if (cached) return cached;
        setups.push(accountId);
        active++;
        max = Math.max(max, active);
        await sleep(40);
        active--;
        cached = emu.baseCredentials;
        return cached;
      };
    };
    const results = await runUnits(cfg, planUnits(cfg, accounts), {
      runId: 'r1',
      runStarted: new Date(),
      signal: new AbortController().signal,
      log: pino({ level: 'silent' }),
      providerFor,
    });
    expect(results.map((r) => r.record.state)).toEqual(results.map(() => 'succeeded'));
    expect(max).toBe(3);
    expect(new Set(setups).size).toBe(12);
    expect(emu.record.maxActiveQueries).toBeLessThanOrEqual(12);
  });

  it('holds a query slot only while the query runs: others set up credentials and read results meanwhile', async () => {
    const demo = await loadScenario('emulator/scenarios/demo.yaml');
    // GetQueryResults answers only after 600 ms; queries take 100 ms. With concurrency.queries 1, a
    // query slot held through the fetch would make every start wait for the previous unit's fetch.
    const slow = await startEmulator({
      scenario: {
        ...demo,
        knobs: { ...demo.knobs, queryLatencyMs: 100, actionLatencyMs: { GetQueryResults: 600 } },
      },
    });
    const cfg = config('concurrency: { queries: 1, perAccount: 1, accounts: 1 }\n');
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = slow.endpoint;
    // Each account's first credentials take 300 ms (an AssumeRole chain).
    const setups = new Map<string, { start: number; end: number }>();
    try {
      const results = await runUnits(cfg, planUnits(cfg, accounts.slice(0, 3)), {
        runId: 'r2',
        runStarted: new Date(),
        signal: new AbortController().signal,
        log: pino({ level: 'silent' }),
        providerFor: (accountId) => async () => {
          if (!setups.has(accountId)) {
            const setup = { start: Date.now(), end: Infinity };
            setups.set(accountId, setup);
            await sleep(300);
            setup.end = Date.now();
          }
          return slow.baseCredentials;
        },
      });
      expect(results.map((r) => r.record.state)).toEqual(results.map(() => 'succeeded'));
      const fetches = slow.record.calls.filter((c) => c.action === 'GetQueryResults');
      const queries = slow.record.queries;
      expect(queries).toHaveLength(results.length);
      // Some query started while another execution's results were still being read…
      const overlapped = queries.filter((q) =>
        fetches.some(
          (c) => c.params.QueryExecutionId !== q.id && c.at <= q.startedAt && q.startedAt < c.answeredAt!,
        ),
      );
      expect(overlapped.length).toBeGreaterThan(0);
      // Some query was running while another account was still getting its credentials…
      const duringSetup = queries.filter((q) =>
        [...setups.values()].some((s) => s.start <= q.startedAt && q.startedAt < s.end),
      );
      expect(duringSetup.length).toBeGreaterThan(0);
      // …and Athena never ran more than concurrency.queries at once.
      expect(slow.record.maxActiveQueries).toBe(1);
    } finally {
      process.env.AWS_ENDPOINT_URL = saved;
      await slow.close();
    }
  });
});
