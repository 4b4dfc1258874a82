import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import { emulatorEnv, runCli } from '../helpers/cli.js';
import { emulatorDir } from '../helpers/org-run.js';
import { EXTERNAL_ID, orgScenario } from '../helpers/org-scenario.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

interface Health {
  status: string;
  running: boolean;
  skipped: number;
  lastRun: { exitCode?: number } | null;
}

/** Polls the liveness endpoint until `ok` holds (the process is ours and must answer). */
async function waitForHealth(port: number, ok: (h: Health) => boolean): Promise<Health> {
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      const h = (await res.json()) as Health;
      if (ok(h)) return h;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function logLines(stderr: string): { msg: string; reason?: string }[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string });
}

describe('athena-fanout schedule', () => {
  let emulator: RunningEmulator;
  let dir: string;
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const scenario = orgScenario({ deniedAccounts: [] });
    scenario.knobs = { ...scenario.knobs, queryLatencyMs: 1500 };
    ({ emulator, dir, cleanup } = await emulatorDir({ scenario, prefix: 'fanout-schedule-' }));
  });
  afterAll(() => cleanup?.());

  const start = async (shutdown: 'drain' | 'cancel', extra = '') => {
    await writeFile(
      join(dir, 'pipeline.config.yaml'),
      pipelineYaml(
        `schedule:\n  cron: '* * * * * *'\n  timezone: Europe/Paris\n  shutdown: ${shutdown}\n  runOnStart: true\n${extra}`,
      ),
    );
    const port = await freePort();
    let pid = 0;
    const done = runCli(['schedule', '--health-port', String(port)], {
      cwd: dir,
      env: emulatorEnv(emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID }),
      onSpawn: (p) => (pid = p),
    });
    return { port, done, pid: () => pid };
  };

  it('never runs twice at once (due ticks are skipped and logged) and drains the active run on SIGTERM', async () => {
    const s = await start('drain');
    // Ticks come every second and a run takes longer: wait until one was skipped during a run.
    await waitForHealth(s.port, (h) => h.running && h.skipped >= 1);
    process.kill(s.pid(), 'SIGTERM');
    const result = await s.done;
    expect(result.code, result.stderr).toBe(0);
    const lines = logLines(result.stderr);
    expect(lines.some((l) => l.msg === 'run skipped: the previous run is still active')).toBe(true);
    // Starts and finishes strictly alternate: no second run began before the first ended.
    const sequence = lines
      .filter((l) => l.msg === 'scheduled run starting' || l.msg === 'scheduled run finished')
      .map((l) => (l.msg === 'scheduled run starting' ? 'S' : 'F'))
      .join('');
    expect(sequence).toMatch(/^(SF)+$/);
    const manifest = JSON.parse(await readFile(join(dir, 'out/manifest.json'), 'utf8')) as Manifest;
    expect(manifest).toMatchObject({ status: 'succeeded', interrupted: false });
  });

  it('cancels the active run on SIGTERM with shutdown: cancel, leaving an interrupted manifest', async () => {
    const s = await start('cancel');
    await waitForHealth(s.port, (h) => h.running);
    process.kill(s.pid(), 'SIGTERM');
    const result = await s.done;
    expect(result.code, result.stderr).toBe(143);
    const manifest = JSON.parse(await readFile(join(dir, 'out/manifest.json'), 'utf8')) as Manifest;
    expect(manifest).toMatchObject({ status: 'interrupted', interrupted: true });
  });

  it('cancels a draining run that outlives shutdownDeadlineSeconds', async () => {
    const s = await start('drain', '  shutdownDeadlineSeconds: 1\n');
    await waitForHealth(s.port, (h) => h.running);
    process.kill(s.pid(), 'SIGTERM');
    const result = await s.done;
    expect(result.code, result.stderr).toBe(143);
    const msgs = logLines(result.stderr).map((l) => l.msg);
    expect(msgs).toContain('stopping: letting the active run finish (signal again to exit at once)');
    expect(msgs).toContain('shutdown deadline reached: cancelling the active run');
    const manifest = JSON.parse(await readFile(join(dir, 'out/manifest.json'), 'utf8')) as Manifest;
    expect(manifest.interrupted).toBe(true);
  });

  it('refuses to start without a schedule section, saying what to add', async () => {
    await writeFile(join(dir, 'pipeline.config.yaml'), pipelineYaml());
    const result = await runCli(['schedule'], {
      cwd: dir,
      env: emulatorEnv(emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID }),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/schedule: \{ cron:/);
  });
});
