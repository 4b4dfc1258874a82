/**
 * Fan-out at organization scale against the project's emulator (fixed query latency, no DuckDB):
 *
 *   npm run build && node dist/bench/fanout.js [--accounts 1000] [--concurrency 100]
 *     [--latency 2700,1000] [--long-accounts 20] [--plan-accounts 10000]
 *
 * 1. `run` over N accounts × 1 query at concurrency C, per latency L: wall time of the query phase (first
 *    unit start → last unit end, from the manifest) and of the whole CLI, each against the ideal
 *    ceil(N / C) × L; status calls per query; the most status calls one account made in one second;
 *    STS calls per account; the CLI's peak RSS.
 * 2. Status calls per query for 10-second queries, and under heavy load in few accounts (40 queries
 *    per account, 20 in flight each: BatchGetQueryExecution).
 * 3. `plan --json` over 10,000 accounts: wall time and peak RSS.
 * The emulator runs in this process; the CLI is a child process measured with /usr/bin/time.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type RunningEmulator, type ScenarioInput } from '@athena-fanout/emulator';
import type { Manifest } from '../src/manifest.js';

const MGMT = '100000000000';
const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

function scenario(accounts: number, latencyMs: number): ScenarioInput {
  return {
    organization: { id: 'o-benchfanout1', managementAccountId: MGMT },
    accounts: [
      { id: MGMT, name: 'management', email: 'm@example.com', state: 'ACTIVE' as const },
      ...Array.from({ length: accounts - 1 }, (_, i) => ({
        id: String(200000000000 + i),
        name: `member-${i}`,
        email: `m${i}@example.com`,
        state: 'ACTIVE' as const,
      })),
    ],
    identities: [
      { accessKeyId: 'AKIABENCHBASE0000001', secretAccessKey: 'bench', arn: `arn:aws:iam::${MGMT}:user/ci` },
    ],
    roles: [
      { arn: `arn:aws:iam::${MGMT}:role/OrgReader`, trust: [`arn:aws:iam::${MGMT}:user/ci`] },
      { arn: 'arn:aws:iam::<accountId>:role/AthenaReader', trust: [`arn:aws:iam::${MGMT}:user/ci`] },
    ],
    data: {},
    knobs: {
      queryLatencyMs: latencyMs,
      fixedResults: true,
      primaryOutputLocation: 's3://athena-results-{accountId}/primary/',
    },
  };
}

function config(concurrency: number, queriesPerAccount = 1, perAccount = 2): string {
  const extra = Array.from(
    { length: queriesPerAccount - 1 },
    (_, i) => `  - { name: q${i + 2}, sql: SELECT ${i + 2} AS x }\n`,
  ).join('');
  return `version: 1
region: us-east-1
auth:
  masterRoleChain: [arn:aws:iam::${MGMT}:role/OrgReader]
  accountRoleChain: [arn:aws:iam::<accountId>:role/AthenaReader]
concurrency: { queries: ${concurrency}, perAccount: ${perAccount}, accounts: 64 }
athena: { fetch: ${process.env.BENCH_FETCH ?? 'auto'} }
queries:
  - { name: one, sql: SELECT 1 AS x }
${extra}sinks:
  - { type: parquet, path: out/{query}.parquet }
manifest: out/manifest.json
`;
}

interface CliRun {
  wallMs: number;
  peakRssMb: number;
  /** The CLI's user + system CPU seconds. */
  cpuS: number;
  code: number | null;
}

/** Runs the built CLI under /usr/bin/time so that its peak RSS is its own. */
function runCli(args: string[], cwd: string, emu: RunningEmulator): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'MAXRSS_KB=%M CPU=%U %S', process.execPath, cli, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ENDPOINT_URL: emu.endpoint,
        AWS_ACCESS_KEY_ID: 'AKIABENCHBASE0000001',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_REGION: 'us-east-1',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        LOG_LEVEL: 'error',
        // e.g. BENCH_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the CLI.
        ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const kb = Number(/MAXRSS_KB=(\d+)/.exec(stderr)?.[1] ?? NaN);
      const cpu = /CPU=([\d.]+) ([\d.]+)/.exec(stderr);
      const cpuS = cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN;
      if (code !== 0) process.stderr.write(stderr.slice(-2000));
      resolve({ wallMs: performance.now() - t0, peakRssMb: kb / 1024, cpuS, code });
    });
  });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length / 1000;

const STATUS = new Set(['GetQueryExecution', 'BatchGetQueryExecution']);

async function fanoutRun(
  accounts: number,
  concurrency: number,
  latencyMs: number,
  queriesPerAccount = 1,
  perAccount = 2,
) {
  const emu = await startEmulator({ scenario: scenario(accounts, latencyMs) });
  const dir = await mkdtemp(join(tmpdir(), 'bench-fanout-'));
  try {
    await writeFile(join(dir, 'pipeline.config.yaml'), config(concurrency, queriesPerAccount, perAccount));
    const res = await runCli(['run'], dir, emu);
    const m = JSON.parse(await readFile(join(dir, 'out/manifest.json'), 'utf8')) as Manifest;
    const starts = m.units.map((u) => Date.parse(u.startedAt!));
    const ends = m.units.map((u) => Date.parse(u.endedAt!));
    const queryPhaseMs = Math.max(...ends) - Math.min(...starts);
    const ideal = Math.ceil(m.units.length / concurrency) * latencyMs;
    const calls = emu.record.calls;
    const byId = new Map(emu.record.queries.map((q) => [q.id, q]));
    const status = calls.filter((c) => STATUS.has(c.action));
    const perAccountSecond = new Map<string, number>();
    for (const c of status) {
      const k = `${c.accountId}/${Math.floor(c.at / 1000)}`;
      perAccountSecond.set(k, (perAccountSecond.get(k) ?? 0) + 1);
    }
    // Per execution: its status checks, and how long after its end (emulator time) the first check
    // that could see it finished arrived.
    const checksOf = new Map<string, number[]>();
    for (const c of status) {
      const ids = (c.params.QueryExecutionIds as string[] | undefined) ?? [String(c.params.QueryExecutionId)];
      for (const id of ids) {
        let list = checksOf.get(id);
        if (!list) checksOf.set(id, (list = []));
        list.push(c.at);
      }
    }
    const queries = emu.record.queries.filter((q) => q.endedAt !== undefined);
    const lags = queries.map((q) => (checksOf.get(q.id) ?? []).find((at) => at >= q.endedAt!)! - q.endedAt!);
    // A freed slot's next start: the k-th start after the first C pairs with the (k-C)-th query seen
    // finished (the CLI releases the slot when it sees that).
    const seenAt = queries.map((q, i) => q.endedAt! + lags[i]!).sort((a, b) => a - b);
    const startAt = emu.record.queries.map((q) => q.startedAt).sort((a, b) => a - b);
    const slots = Math.min(concurrency, m.units.length);
    const refills = startAt.slice(slots).map((t, k) => t - seenAt[k]!);
    const spanMs = Math.max(...queries.map((q) => q.endedAt!)) - Math.min(...queries.map((q) => q.startedAt));
    const busyMs = queries.reduce((n, q) => n + q.endedAt! - q.startedAt, 0);
    return {
      accounts,
      queriesPerAccount,
      perAccount,
      concurrency,
      latencyMs,
      exit: res.code,
      succeeded: m.totals.succeeded,
      units: m.units.length,
      idealS: ideal / 1000,
      queryPhaseS: queryPhaseMs / 1000,
      queryPhaseRatio: queryPhaseMs / ideal,
      cliWallS: res.wallMs / 1000,
      cliWallRatio: res.wallMs / ideal,
      meanUnitS: ends.reduce((n, e, i) => n + e - starts[i]!, 0) / m.units.length / 1000,
      meanQueryS:
        m.units.reduce((n, u) => n + (u.totalExecutionTimeInMillis ?? 0), 0) / m.units.length / 1000,
      // Where a unit's time goes besides the query: before StartQueryExecution, and after Athena finished.
      meanBeforeStartS: mean(
        m.units.map((u, i) => (byId.get(u.queryExecutionIds[0]!)?.startedAt ?? NaN) - starts[i]!),
      ),
      meanAfterEndS: mean(
        m.units.map((u, i) => ends[i]! - (byId.get(u.queryExecutionIds.at(-1)!)?.endedAt ?? NaN)),
      ),
      // First query start → last query end in Athena, and the mean share of the C slots busy in it.
      athenaSpanS: spanMs / 1000,
      // The query phase around the Athena span: before the first query starts, after the last ends.
      leadS: (Math.min(...queries.map((q) => q.startedAt)) - Math.min(...starts)) / 1000,
      tailS: (Math.max(...ends) - Math.max(...queries.map((q) => q.endedAt!))) / 1000,
      athenaSpanRatio: spanMs / ideal,
      slotUse: busyMs / (spanMs * Math.min(concurrency, m.units.length)),
      meanSeenAfterEndS: mean(lags),
      meanRefillS: refills.length > 0 ? mean(refills) : 0,
      statusCallsPerQuery: status.length / emu.record.queries.length,
      maxStatusCallsPerQuery: Math.max(0, ...[...checksOf.values()].map((l) => l.length)),
      maxStatusCallsPerAccountSecond: Math.max(0, ...perAccountSecond.values()),
      stsCallsPerAccount: calls.filter((c) => c.service === 'sts').length / accounts,
      maxActiveQueries: emu.record.maxActiveQueries,
      cliCpuS: res.cpuS,
      cliCpuMsPerUnit: (res.cpuS * 1000) / m.units.length,
      peakRssMb: res.peakRssMb,
    };
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function planRun(accounts: number) {
  const emu = await startEmulator({ scenario: scenario(accounts, 100) });
  const dir = await mkdtemp(join(tmpdir(), 'bench-plan-'));
  try {
    await writeFile(join(dir, 'pipeline.config.yaml'), config(100));
    const res = await runCli(['plan', '--json'], dir, emu);
    const orgCalls = emu.record.calls.filter((c) => c.service === 'organizations').length;
    return {
      accounts,
      exit: res.code,
      wallS: res.wallMs / 1000,
      cpuS: res.cpuS,
      peakRssMb: res.peakRssMb,
      orgCalls,
    };
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const accounts = Number(arg('accounts', '1000'));
const concurrency = Number(arg('concurrency', '100'));
const latencies = arg('latency', '2700,1000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const longAccounts = Number(arg('long-accounts', '20'));
const planAccounts = Number(arg('plan-accounts', '10000'));

const fmt = (o: object) =>
  JSON.stringify(o, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v));
for (const latency of latencies) {
  process.stdout.write(`run ${fmt(await fanoutRun(accounts, concurrency, latency))}\n`);
}
if (longAccounts > 0) {
  process.stdout.write(`run10s ${fmt(await fanoutRun(longAccounts, longAccounts, 10_000))}\n`);
}
const heavy = Number(arg('heavy-accounts', '5'));
if (heavy > 0) {
  // Heavy load in few accounts: 40 queries each, 20 in flight per account; status checks batch.
  process.stdout.write(`heavy ${fmt(await fanoutRun(heavy, 100, 2700, 40, 20))}\n`);
}
if (planAccounts > 0) process.stdout.write(`plan ${fmt(await planRun(planAccounts))}\n`);
