import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/manifest.js';
import { emulatorEnv, repoRoot } from '../helpers/cli.js';
import { orgDir, type OrgDir } from '../helpers/org-run.js';
import { EXTERNAL_ID, MANAGEMENT, orgScenario } from '../helpers/org-scenario.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';

const ACCOUNTS = 120;
const UNITS = 60;

describe('SIGTERM during account discovery', () => {
  let org: OrgDir;

  beforeAll(async () => {
    // 120 accounts in 60 OUs, every Organizations list slowed to 1.5 s: discovery alone takes half a
    // minute, as a 10,000-account organization's does at AWS's pace (the emulator seeds a database per
    // account, so a test cannot afford 10,000 of them).
    const scenario = orgScenario();
    scenario.accounts = [
      { id: MANAGEMENT, name: 'management', email: 'mgmt@example.com', state: 'ACTIVE', ou: 'Root' },
      ...Array.from({ length: ACCOUNTS - 1 }, (_, i) => ({
        id: String(300_000_000_000 + i),
        name: `member-${i}`,
        email: `m${i}@example.com`,
        state: 'ACTIVE' as const,
        ou: `Root/Unit${i % UNITS}`,
      })),
    ];
    delete scenario.data;
    scenario.knobs = {
      ...scenario.knobs,
      actionLatencyMs: {
        ListAccountsForParent: 1500,
        ListOrganizationalUnitsForParent: 1500,
        ListChildren: 1500,
      },
    };
    org = await orgDir(pipelineYaml(), { scenario, prefix: 'fanout-discovery-' });
  }, 180_000);
  afterAll(() => org.cleanup());

  it('stops the walk at once, writes an interrupted manifest and exits 143', async () => {
    const child = spawn(process.execPath, [`${repoRoot}dist/src/cli.js`, 'run'], {
      cwd: org.dir,
      env: emulatorEnv(org.emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        resolve(code);
      }),
    );
    // Discovery is under way once the tree walk lists accounts.
    const listing = () =>
      org.emulator.record.calls.filter((c) => c.action === 'ListAccountsForParent').length;
    while (listing() < 2) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    const signalled = Date.now();
    // Kubernetes' default grace period is 30 s; a stop within a few seconds is what this asks.
    const timeout = new Promise<'timeout'>((r) =>
      setTimeout(() => {
        r('timeout');
      }, 10_000),
    );
    const code = await Promise.race([exited, timeout]);
    if (code === 'timeout') child.kill('SIGKILL');
    expect(code, `still discovering 10 s after SIGTERM: ${stderr.slice(-2000)}`).toBe(143);
    expect(Date.now() - signalled).toBeLessThan(5_000);
    const manifest = JSON.parse(await readFile(join(org.dir, 'out/manifest.json'), 'utf8')) as Manifest;
    expect(manifest).toMatchObject({ status: 'interrupted', interrupted: true, exitCode: 143 });
    expect(manifest.units).toEqual([]);
    expect(org.emulator.record.queries).toHaveLength(0);
  }, 120_000);
});
