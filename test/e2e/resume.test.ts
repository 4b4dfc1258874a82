import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import { itemsOfShard } from '../../src/plan/index.js';
import { emulatorEnv, repoRoot, runCli } from '../helpers/cli.js';
import { duckRows } from '../helpers/duckdb.js';
import { EXTERNAL_ID, MANAGEMENT, MEMBERS, orgAuthYaml, orgScenario } from '../helpers/org-scenario.js';
import { orgDir } from '../helpers/org-run.js';

/**
 * A run stopped mid-query (SIGTERM, or SIGKILL with no manifest) and started again with the same
 * run id resumes it: what had succeeded is not queried again, what was still running in Athena is
 * followed to its end, the rest starts anew, and every row is in the outputs exactly once.
 */
const ACCOUNTS = [MANAGEMENT, MEMBERS[0]!, MEMBERS[1]!];
const ROWS_PER_ACCOUNT = 4;
const SLOW_MS = 4000;
const MARK = 'resume_slow_marker';

const CONFIG = `version: 1
region: eu-west-1
${orgAuthYaml()}accounts:
  include: [${ACCOUNTS.map((a) => `"${a}"`).join(', ')}]
athena:
  database: inventory
  outputLocation: s3://athena-results-<accountId>/fanout/
provenance:
  query_execution_id: qid
queries:
  - { name: quick, sql: 'SELECT id, note FROM inventory' }
  - { name: slow, sql: "SELECT id, note, '${MARK}' AS tag FROM inventory" }
sinks:
  - { type: parquet, path: out/{query}.parquet }
manifest: out/manifest.json
`;

interface Setup {
  emulator: RunningEmulator;
  dir: string;
  env: NodeJS.ProcessEnv;
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function setup(slowMs = SLOW_MS): Promise<Setup> {
  const scenario = orgScenario();
  scenario.knobs = { ...scenario.knobs, slowQueries: [{ match: MARK, latencyMs: slowMs }] };
  const made = await orgDir(CONFIG, { scenario, prefix: 'fanout-resume-', spill: true });
  cleanup = made.cleanup;
  const env = emulatorEnv(made.emulator, {
    FANOUT_EXTERNAL_ID: EXTERNAL_ID,
    LOG_LEVEL: 'warn',
    TMPDIR: join(made.dir, 'tmp'),
  });
  return { emulator: made.emulator, dir: made.dir, env };
}

const isSlow = (sql: string) => sql.includes(MARK);

/** StartQueryExecution calls the emulator answered, per (account, query). */
function starts(emulator: RunningEmulator): Map<string, number> {
  const n = new Map<string, number>();
  for (const c of emulator.record.calls) {
    if (c.action !== 'StartQueryExecution' || c.status !== 200) continue;
    const key = `${c.accountId}/${isSlow(String(c.params.QueryString)) ? 'slow' : 'quick'}`;
    n.set(key, (n.get(key) ?? 0) + 1);
  }
  return n;
}

/**
 * Starts `run` with `args`, waits until every `quick` query of `accounts` has SUCCEEDED (and its
 * results had time to be read) while their `slow` queries are still running, then kills it with `signal`.
 */
async function interrupted(
  s: Setup,
  args: string[],
  accounts: string[],
  signal: 'SIGTERM' | 'SIGKILL',
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [`${repoRoot}dist/src/cli.js`, 'run', ...args], {
    cwd: s.dir,
    env: s.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, sig) => {
      resolve({ code, signal: sig });
    }),
  );
  const queries = () => s.emulator.record.queries.filter((q) => accounts.includes(q.accountId));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const q = queries();
    const quickDone = q.filter((x) => !isSlow(x.sql) && x.state === 'SUCCEEDED').length;
    const slowRunning = q.filter((x) => isSlow(x.sql) && (x.state === 'RUNNING' || x.state === 'QUEUED'));
    if (quickDone === accounts.length && slowRunning.length === accounts.length) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the run ended or stalled before it could be interrupted mid-query: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  // Let the quick units read their results; the slow queries have seconds left to run.
  await new Promise((r) => setTimeout(r, 700));
  expect(
    queries()
      .filter((x) => isSlow(x.sql))
      .every((x) => x.state === 'RUNNING' || x.state === 'QUEUED'),
  ).toBe(true);
  child.kill(signal);
  return { ...(await exited), stderr };
}

const readJson = async <T>(path: string) => JSON.parse(await readFile(path, 'utf8')) as T;

/** Every output row exactly once: each account's rows once per query, from one execution each. */
async function expectRowsOnce(file: string, accounts: string[]): Promise<void> {
  const rows = await duckRows(
    `SELECT account_id, count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids,
            count(DISTINCT qid)::INTEGER AS executions
       FROM read_parquet('${file}') GROUP BY account_id ORDER BY account_id`,
  );
  expect(rows).toEqual(
    [...accounts]
      .sort()
      .map((a) => ({ account_id: a, n: ROWS_PER_ACCOUNT, ids: ROWS_PER_ACCOUNT, executions: 1 })),
  );
}

describe('run again with the same run id resumes it (built CLI, emulator)', () => {
  it('after SIGTERM mid-query: the succeeded units are reused, not queried again; exit 0, rows once', async () => {
    const s = await setup();
    const first = await interrupted(s, ['--run-id', 'resume-term'], ACCOUNTS, 'SIGTERM');
    expect(first.code, first.stderr).toBe(143);
    const stopped = await readJson<Manifest>(join(s.dir, 'out/manifest.json'));
    expect(stopped.status).toBe('interrupted');
    const quickIds = new Map(
      stopped.units.filter((u) => u.query === 'quick').map((u) => [u.accountId, u.queryExecutionIds]),
    );
    expect([...quickIds.values()].every((ids) => ids.length === 1)).toBe(true);
    // The manifest records the executions: the journal went once it was written.
    expect(await readdir(join(s.dir, 'out'))).not.toContain('journal');

    const again = await runCli(['run', '--run-id', 'resume-term'], { cwd: s.dir, env: s.env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Resumed: {2}3 earlier execution\(s\) reused/);

    // One Start per quick unit (the first process's), two per slow unit (the first was stopped).
    const n = starts(s.emulator);
    for (const a of ACCOUNTS) {
      expect(n.get(`${a}/quick`), a).toBe(1);
      expect(n.get(`${a}/slow`), a).toBe(2);
    }
    const m = await readJson<Manifest>(join(s.dir, 'out/manifest.json'));
    expect(m.status).toBe('succeeded');
    for (const u of m.units) {
      if (u.query === 'quick') {
        expect(u).toMatchObject({ state: 'succeeded', resumed: 'reused', estimatedCostUSD: 0, attempts: 0 });
        expect(u.queryExecutionIds).toEqual(quickIds.get(u.accountId));
      } else {
        expect(u.resumed).toBeUndefined();
        expect(u).toMatchObject({ state: 'succeeded', attempts: 1 });
      }
    }
    await expectRowsOnce(join(s.dir, 'out/quick.parquet'), ACCOUNTS);
    await expectRowsOnce(join(s.dir, 'out/slow.parquet'), ACCOUNTS);
    const qids = await duckRows(
      `SELECT DISTINCT qid FROM read_parquet('${join(s.dir, 'out/quick.parquet')}')`,
    );
    expect(qids.map((r) => r.qid).sort()).toEqual([...quickIds.values()].flat().sort());
    expect(await readdir(join(s.dir, 'out'))).not.toContain('journal');
  }, 90_000);

  it('after SIGKILL (no manifest): the journal and Athena say what ran; nothing is started twice', async () => {
    // Slow enough that the slow queries still run when the second process looks at them.
    const s = await setup(4 * SLOW_MS);
    const first = await interrupted(s, ['--run-id', 'resume-kill'], ACCOUNTS, 'SIGKILL');
    expect(first.signal).toBe('SIGKILL');
    expect(await readdir(join(s.dir, 'out')).catch(() => [])).not.toContain('manifest.json');
    const journal = await readFile(join(s.dir, 'out/journal/resume-kill/run.ndjson'), 'utf8');
    expect(journal.trim().split('\n')).toHaveLength(1 + 2 * ACCOUNTS.length);

    const again = await runCli(['run', '--run-id', 'resume-kill'], { cwd: s.dir, env: s.env });
    expect(again.code, again.stderr).toBe(0);
    // The slow queries were never stopped: the second process followed them instead of paying twice.
    const n = starts(s.emulator);
    for (const a of ACCOUNTS) {
      expect(n.get(`${a}/quick`), a).toBe(1);
      expect(n.get(`${a}/slow`), a).toBe(1);
    }
    expect(s.emulator.record.calls.filter((c) => c.action === 'StopQueryExecution')).toEqual([]);
    const m = await readJson<Manifest>(join(s.dir, 'out/manifest.json'));
    expect(m.status).toBe('succeeded');
    for (const u of m.units) {
      expect(u.resumed, `${u.accountId} ${u.query}`).toBe(u.query === 'quick' ? 'reused' : 'attached');
      expect(u.queryExecutionIds).toHaveLength(1);
    }
    expect(m.totals.estimatedCostUSD).toBeGreaterThan(0); // the attached queries are billed once
    await expectRowsOnce(join(s.dir, 'out/quick.parquet'), ACCOUNTS);
    await expectRowsOnce(join(s.dir, 'out/slow.parquet'), ACCOUNTS);
  }, 90_000);

  it('a shard stopped by SIGTERM resumes with the same run id, and merge gives every row once', async () => {
    const s = await setup();
    const id = 'resume-shard';
    const mine = itemsOfShard(ACCOUNTS, (a) => ({ accountId: a, region: 'eu-west-1' }), {
      index: 0,
      count: 2,
    });
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.length).toBeLessThan(ACCOUNTS.length);
    const first = await interrupted(s, ['--shard', '0/2', '--run-id', id], mine, 'SIGTERM');
    expect(first.code, first.stderr).toBe(143);
    const shardManifest = join(s.dir, `out/shards/${id}/shard-0-of-2.json`);
    const stopped = await readJson<Manifest>(shardManifest);
    expect(new Set(stopped.units.map((u) => u.accountId))).toEqual(new Set(mine));

    const again = await runCli(['run', '--shard', '0/2', '--run-id', id], { cwd: s.dir, env: s.env });
    expect(again.code, again.stderr).toBe(0);
    const other = await runCli(['run', '--shard', '1/2', '--run-id', id], { cwd: s.dir, env: s.env });
    expect(other.code, other.stderr).toBe(0);
    const merge = await runCli(['merge', '--run', id], { cwd: s.dir, env: s.env });
    expect(merge.code, merge.stderr).toBe(0);

    const n = starts(s.emulator);
    for (const a of ACCOUNTS) {
      expect(n.get(`${a}/quick`), a).toBe(1);
      expect(n.get(`${a}/slow`), a).toBe(mine.includes(a) ? 2 : 1);
    }
    const resumed = await readJson<Manifest>(shardManifest);
    expect(resumed.status).toBe('succeeded');
    for (const u of resumed.units) expect(u.resumed).toBe(u.query === 'quick' ? 'reused' : undefined);
    const merged = await readJson<Manifest>(join(s.dir, 'out/manifest.json'));
    expect(merged).toMatchObject({ status: 'succeeded', totals: { units: 2 * ACCOUNTS.length } });
    await expectRowsOnce(join(s.dir, 'out/quick.parquet'), ACCOUNTS);
    await expectRowsOnce(join(s.dir, 'out/slow.parquet'), ACCOUNTS);
  }, 120_000);
});
