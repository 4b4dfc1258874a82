import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '@athena-fanout/emulator';
import type { Manifest, UnitRecord } from '../../src/manifest.js';
import { type CliResult, emulatorEnv, runCli } from '../helpers/cli.js';
import { duckRows } from '../helpers/duckdb.js';
import { EXTERNAL_ID, MANAGEMENT, MEMBERS, orgScenario } from '../helpers/org-scenario.js';
import { orgConfigYaml } from '../helpers/pipeline-yaml.js';

/**
 * Incremental runs through the real CLI: rows "arrive" between runs because the emulator is started
 * again with one more row, stamped with a time taken after the previous run ended (so after its
 * cut-off, and before the next run starts): every window's contents are known exactly.
 */

const ACCOUNTS = [MANAGEMENT, MEMBERS[0]!, MEMBERS[1]!];
const FLAKY = MEMBERS[0]!;
const INITIAL = '2026-01-01T00:00:00.000Z';

const CONFIG = orgConfigYaml(`accounts:
  source: list
  ids: [${ACCOUNTS.map((a) => `"${a}"`).join(', ')}]
queries:
  - name: events
    sql: SELECT id, ts FROM events WHERE ts >= {{since}} AND ts < {{until}}
    incremental: { column: ts, initial: '2026-01-01' }
sinks:
  - { type: parquet, path: out/{query}.parquet }
  - { type: parquet, path: out/lake, layout: partitioned, mode: append, partitionBy: runId, retention: 2 }
`);

/** Row ids 1 and 2 are inside the initial window, 0 before it, 99 after any run's cut-off. */
const FIXED = [
  `(0, TIMESTAMP '2025-06-01 00:00:00')`,
  `(1, TIMESTAMP '2026-01-15 00:00:00')`,
  `(2, TIMESTAMP '2026-06-01 08:30:00.250')`,
  `(99, TIMESTAMP '2099-01-01 00:00:00')`,
];

const sqlTime = (d: Date) => `TIMESTAMP '${d.toISOString().replace('T', ' ').replace('Z', '')}'`;

/** The emulator holding the fixed rows and one row (id 3, 4, ...) per arrival time. */
function startWith(arrivals: Date[], failing = false): Promise<RunningEmulator> {
  const scenario = orgScenario();
  const rows = [...FIXED, ...arrivals.map((t, i) => `(${3 + i}, ${sqlTime(t)})`)];
  scenario.data = {
    all: [
      'CREATE SCHEMA inventory',
      `CREATE TABLE inventory.events AS SELECT * FROM (VALUES ${rows.join(', ')}) t(id, ts)`,
    ],
  };
  scenario.knobs = {
    ...scenario.knobs,
    ...(failing
      ? { failQueries: [{ match: 'FROM events', accounts: [FLAKY], message: 'HIVE_CURSOR_ERROR: injected' }] }
      : {}),
  };
  return startEmulator({ scenario });
}

interface Run {
  result: CliResult;
  manifest: Manifest;
  /** (account, id) pairs of out/events.parquet, sorted. */
  rows: string[];
  windows: Map<string, NonNullable<UnitRecord['window']>>;
}

let dir: string;
let emulator: RunningEmulator | undefined;

async function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: dir, env: emulatorEnv(emulator!, { FANOUT_EXTERNAL_ID: EXTERNAL_ID }) });
}

async function run(
  arrivals: Date[],
  opts: { failing?: boolean; args?: string[]; sameEmulator?: boolean } = {},
): Promise<Run> {
  if (!opts.sameEmulator) {
    await emulator?.close();
    emulator = await startWith(arrivals, opts.failing);
  }
  const result = await cli(['run', ...(opts.args ?? [])]);
  const manifest = JSON.parse(await readFile(join(dir, 'out/manifest.json'), 'utf8')) as Manifest;
  const rows = (
    await duckRows(
      `SELECT account_id || ':' || id AS r FROM read_parquet('${join(dir, 'out/events.parquet')}') ORDER BY r`,
    )
  ).map((r) => String(r.r));
  const windows = new Map(manifest.units.map((u) => [u.accountId, u.window!]));
  return { result, manifest, rows, windows };
}

const rowsOf = (ids: number[], accounts = ACCOUNTS) =>
  accounts.flatMap((a) => ids.map((id) => `${a}:${id}`)).sort();

/** `run_id/account:id` of every row of the append dataset, sorted. */
async function lakeRows(): Promise<string[]> {
  const parts = `${join(dir, 'out/lake/query=events')}/*/*/*.parquet`;
  return (
    await duckRows(
      `SELECT run_id || '/' || account_id || ':' || id AS r FROM read_parquet('${parts}', hive_partitioning = true) ORDER BY r`,
    )
  ).map((r) => String(r.r));
}

async function state(): Promise<Record<string, { since: string; until: string; runId: string }>> {
  const text = await readFile(join(dir, 'out/_state/events.json'), 'utf8');
  return (JSON.parse(text) as { units: Record<string, { since: string; until: string; runId: string }> })
    .units;
}

describe('incremental extraction through the CLI (emulator restarted with new rows between runs)', () => {
  const arrivals: Date[] = [];
  let r1: Run;
  let r2: Run;
  let planAfter2: { windows: { accountId: string; since: string; until: string; from: string }[] };
  let planText: string;
  let r3: Run;
  let stateAfter3: Awaited<ReturnType<typeof state>>;
  let lakeAfter3: string[];
  let r4: Run;
  let lakeAfter4: string[];
  let stateAfter4: Awaited<ReturnType<typeof state>>;
  let r5: Run;
  let stateAfter5: Awaited<ReturnType<typeof state>>;
  let r6: Run;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fanout-e2e-incremental-'));
    await writeFile(join(dir, 'pipeline.config.yaml'), CONFIG);
    r1 = await run(arrivals);
    arrivals.push(new Date());
    r2 = await run(arrivals, { failing: true });
    arrivals.push(new Date());
    await emulator?.close();
    emulator = await startWith(arrivals);
    planAfter2 = JSON.parse((await cli(['plan', '--json'])).stdout) as typeof planAfter2;
    planText = (await cli(['plan'])).stdout;
    r3 = await run(arrivals);
    stateAfter3 = await state();
    lakeAfter3 = (await readdir(join(dir, 'out/lake/query=events'))).sort();
    r4 = await run(arrivals, { args: ['--full-refresh'] });
    lakeAfter4 = await lakeRows();
    stateAfter4 = await state();
    arrivals.push(new Date());
    r5 = await run(arrivals, { args: ['--run-id', 'inc-resume-1'] });
    stateAfter5 = await state();
    r6 = await run(arrivals, { args: ['--run-id', 'inc-resume-1'], sameEmulator: true });
  }, 300_000);
  afterAll(async () => {
    await emulator?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('run 1 reads the initial window: from initial to its own cut-off, nothing before or after', () => {
    expect(r1.result.code, r1.result.stderr).toBe(0);
    for (const a of ACCOUNTS) {
      expect(r1.windows.get(a)!.since).toBe(INITIAL);
      expect(r1.windows.get(a)!.until).toBe(r1.manifest.startedAt);
    }
    expect(r1.rows).toEqual(rowsOf([1, 2]));
  });

  it("run 2 reads from run 1's until, only the new row; the failing account keeps its watermark", () => {
    expect(r2.result.code, r2.result.stderr).toBe(1);
    const until1 = r1.windows.get(MANAGEMENT)!.until;
    for (const a of ACCOUNTS) expect(r2.windows.get(a)!.since).toBe(until1);
    const failed = r2.manifest.units.find((u) => u.accountId === FLAKY)!;
    expect(failed.state).toBe('failed');
    expect(r2.rows).toEqual(rowsOf([3], [MANAGEMENT, MEMBERS[1]!]));
    expect(r2.manifest.warnings.join('\n')).not.toMatch(/watermark/);
    // What run 3 will start from: run 1's cut-off for the failed account, run 2's for the others.
    expect(planAfter2.windows.map((w) => [w.accountId, w.since, w.from])).toEqual([
      [MANAGEMENT, r2.windows.get(MANAGEMENT)!.until, 'state'],
      [FLAKY, until1, 'state'],
      [MEMBERS[1]!, r2.windows.get(MANAGEMENT)!.until, 'state'],
    ]);
    expect(planText).toMatch(/windows on ts/);
    expect(planText).toContain(`${FLAKY} eu-west-1  ${until1.replace('T', ' ').replace('Z', '')} -> `);
  });

  it('run 3: the failed account catches up (both new rows), the others read only the newest', () => {
    expect(r3.result.code, r3.result.stderr).toBe(0);
    expect(r3.windows.get(FLAKY)!.since).toBe(r1.windows.get(FLAKY)!.until);
    expect(r3.windows.get(MANAGEMENT)!.since).toBe(r2.windows.get(MANAGEMENT)!.until);
    expect(r3.rows).toEqual([...rowsOf([4]), `${FLAKY}:3`].sort());
    for (const a of ACCOUNTS) {
      expect(stateAfter3[`${a}/eu-west-1`]).toMatchObject({
        until: r3.manifest.startedAt,
        runId: r3.manifest.runId,
      });
    }
  });

  it('the append dataset keeps the newest two runs, and reads as exactly their rows', () => {
    expect(lakeAfter3).toEqual(['_SUCCESS', `run_id=${r2.manifest.runId}`, `run_id=${r3.manifest.runId}`]);
    expect(lakeAfter4).toEqual(
      [
        ...r3.rows.map((r) => `${r3.manifest.runId}/${r}`),
        ...r4.rows.map((r) => `${r4.manifest.runId}/${r}`),
      ].sort(),
    );
  });

  it('--full-refresh reads from initial again whatever the state says, and rewrites the state', () => {
    expect(r4.result.code, r4.result.stderr).toBe(0);
    for (const a of ACCOUNTS)
      expect(r4.windows.get(a)).toEqual({ since: INITIAL, until: r4.manifest.startedAt });
    expect(r4.rows).toEqual(rowsOf([1, 2, 3, 4]));
    for (const a of ACCOUNTS) {
      expect(stateAfter4[`${a}/eu-west-1`]).toMatchObject({ since: INITIAL, until: r4.manifest.startedAt });
    }
  });

  it('a run resumed under the same run id reads the same window again: nothing skipped, nothing advanced twice', async () => {
    expect(r5.result.code, r5.result.stderr).toBe(0);
    expect(r5.rows).toEqual(rowsOf([5]));
    expect(r6.result.code, r6.result.stderr).toBe(0);
    expect(r6.windows).toEqual(r5.windows);
    expect(r6.rows).toEqual(r5.rows);
    expect(r6.manifest.units.every((u) => u.resumed === 'reused')).toBe(true);
    for (const a of ACCOUNTS) {
      expect(stateAfter5[`${a}/eu-west-1`]).toMatchObject({
        since: r4.manifest.startedAt,
        runId: 'inc-resume-1',
      });
    }
    // The resumed run replaced its own partition: the dataset holds its rows once.
    expect(await lakeRows()).toEqual(
      [...r4.rows.map((r) => `${r4.manifest.runId}/${r}`), ...r5.rows.map((r) => `inc-resume-1/${r}`)].sort(),
    );
    expect(await state()).toEqual(
      Object.fromEntries(
        Object.entries(stateAfter5).map(([k, v]) => [k, { ...v, updatedAt: expect.any(String) as string }]),
      ),
    );
  });
});
