import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/manifest.js';
import { emulatorEnv, repoRoot, type CliResult } from '../helpers/cli.js';
import { orgDir, type OrgDir } from '../helpers/org-run.js';
import { EXTERNAL_ID, MANAGEMENT, orgScenario } from '../helpers/org-scenario.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';

/**
 * Runs in containers: each run in its own pid namespace (`unshare --pid`), where it is pid 1 as every
 * run of the image is pid 7, all sharing one TMPDIR (a volume). Needs unshare and the right to use it
 * (root, as in CI's container); skipped otherwise.
 */
const canUnshare =
  spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' }).status === 0;

const SLOW = 'slow_marker';

function startCli(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; namespace: boolean },
): { done: Promise<CliResult>; kill: () => void } {
  const cli = [process.execPath, `${repoRoot}dist/src/cli.js`, ...args];
  // --kill-child: killing unshare kills the run inside (pid 1 of its namespace).
  const [cmd, ...rest] = opts.namespace
    ? ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child', ...cli]
    : cli;
  const child = spawn(cmd!, rest, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { done, kill: () => child.kill('SIGKILL') };
}

describe.skipIf(!canUnshare)('spill areas of runs in separate pid namespaces sharing a TMPDIR', () => {
  let org: OrgDir;
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  const areas = async () => (await readdir(tmp)).filter((n) => n.startsWith('athena-fanout-spill-'));

  beforeAll(async () => {
    const scenario = orgScenario();
    scenario.knobs = { ...scenario.knobs, slowQueries: [{ match: SLOW, latencyMs: 20_000 }] };
    const base = pipelineYaml().replace('exclude: [', `include: ["${MANAGEMENT}"]\n  exclude: [`);
    // slow.yaml: one quick query (its results are fetched, so the spill area exists) and one slow one.
    const slow = base.replace(
      '    sql: SELECT * FROM inventory\n',
      `    sql: SELECT * FROM inventory\n  - name: slow\n    sql: SELECT '${SLOW}' AS m\n`,
    );
    org = await orgDir(base, { scenario, prefix: 'fanout-spill-owner-', spill: true });
    await writeFile(join(org.dir, 'slow.yaml'), slow.replaceAll('out/', 'slow-out/'));
    tmp = join(org.dir, 'tmp');
    await mkdir(tmp, { recursive: true });
    env = emulatorEnv(org.emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID, TMPDIR: tmp });
  }, 120_000);
  afterAll(() => org.cleanup());

  /** Starts the slow run and waits until its spill area exists. */
  async function startSlowRun(namespace: boolean) {
    const run = startCli(['run', '-c', 'slow.yaml', '--run-id', 'nightly-a'], {
      cwd: org.dir,
      env,
      namespace,
    });
    const before = await areas();
    let over: CliResult | undefined;
    void run.done.then((r) => (over = r));
    let area: string | undefined;
    while (!area) {
      expect(over?.stderr, 'the slow run ended before its spill area was seen').toBeUndefined();
      // Whatever the name says (no other run is under way, so a new area is A's).
      area = (await areas()).find((n) => !before.includes(n));
      await new Promise((r) => setTimeout(r, 50));
    }
    return { run, area, running: () => over === undefined };
  }

  it('removes the area of a killed run, though the next run has the same pid (1) in its own namespace', async () => {
    const a = await startSlowRun(true);
    a.run.kill();
    await a.run.done;
    expect(await areas()).toEqual([a.area]);
    // Nobody has touched it since it died (its heartbeat stopped): older than the lease.
    const old = new Date(Date.now() - 60 * 60_000);
    await utimes(join(tmp, a.area), old, old);
    const b = await startCli(['run', '--run-id', 'nightly-b'], { cwd: org.dir, env, namespace: true }).done;
    expect(b.code, b.stderr).toBe(0);
    expect(await areas()).toEqual([]);
  }, 120_000);

  it('never removes the area of a live run of another namespace, whose pid it cannot see', async () => {
    // A in the host's namespace (its pid does not exist in B's), B in a namespace of its own.
    const a = await startSlowRun(false);
    const b = await startCli(['run', '--run-id', 'nightly-b'], { cwd: org.dir, env, namespace: true }).done;
    expect(b.code, b.stderr).toBe(0);
    expect(a.running(), 'A must still be running when B ends').toBe(true);
    expect(await areas()).toContain(a.area);
    const resultA = await a.run.done;
    expect(resultA.code, resultA.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(org.dir, 'slow-out/manifest.json'), 'utf8')) as Manifest;
    expect(manifest.totals.rows).toBe(5);
    expect(await areas()).toEqual([]);
  }, 120_000);
});
