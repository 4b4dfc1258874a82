import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import { emulatorEnv, repoRoot, runCli } from '../helpers/cli.js';
import { duckRows } from '../helpers/duckdb.js';
import { EXTERNAL_ID, MANAGEMENT, MEMBERS, orgScenario } from '../helpers/org-scenario.js';
import { orgDir } from '../helpers/org-run.js';
import { orgConfigYaml } from '../helpers/pipeline-yaml.js';

const ROWS_PER_ACCOUNT = 400_000;
const ACCOUNTS = [MANAGEMENT, MEMBERS[0]!];

const CONFIG = orgConfigYaml(`accounts:
  include: [${ACCOUNTS.map((a) => `"${a}"`).join(', ')}]
queries:
  - { name: big, sql: 'SELECT id, pad FROM big' }
sinks:
  - { type: parquet, path: out/{query}.parquet }
`);

describe('a run killed (SIGKILL) while writing its output', () => {
  let emulator: RunningEmulator;
  let dir: string;
  let tmp: string;
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const scenario = orgScenario();
    scenario.data = {
      all: [
        ...(scenario.data?.all ?? []),
        `CREATE TABLE inventory.big AS SELECT i::BIGINT AS id, 'row ' || i::VARCHAR || ' ' || repeat('x', 40) AS pad FROM range(${ROWS_PER_ACCOUNT}) t(i)`,
      ],
    };
    ({ emulator, dir, cleanup } = await orgDir(CONFIG, { scenario, prefix: 'fanout-kill-', spill: true }));
    tmp = join(dir, 'tmp');
  });
  afterAll(() => cleanup?.());

  it('leaves no file at the final path; the next run writes it whole and cleans the leftovers', async () => {
    const env = emulatorEnv(emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID, TMPDIR: tmp, LOG_LEVEL: 'warn' });
    const out = join(dir, 'out');
    const child = spawn(process.execPath, [`${repoRoot}dist/src/cli.js`, 'run'], {
      cwd: dir,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => {
        resolve(signal);
      }),
    );
    // Kill it as soon as the Parquet temp file exists, i.e. mid-write.
    let tempName: string | undefined;
    for (;;) {
      const names = await readdir(out).catch(() => [] as string[]);
      tempName = names.find((n) => n.startsWith('.big.parquet.') && n.endsWith('.tmp'));
      if (tempName || child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(tempName, `the run finished before it could be killed mid-write: ${stderr}`).toBeDefined();
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const left = await readdir(out);
    expect(left).not.toContain('big.parquet');
    expect(left).not.toContain('manifest.json');
    expect(left).toContain(tempName);
    expect((await readdir(tmp)).some((n) => n.startsWith('athena-fanout-spill-'))).toBe(true);

    const again = await runCli(['run'], { cwd: dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['big.parquet', 'manifest.json']);
    expect(await readdir(tmp)).toEqual([]);
    const [count] = await duckRows(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids FROM read_parquet('${join(out, 'big.parquet')}')`,
    );
    expect(count).toEqual({ n: ROWS_PER_ACCOUNT * ACCOUNTS.length, ids: ROWS_PER_ACCOUNT });
  }, 120_000);
});
