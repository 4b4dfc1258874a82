import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@athena-fanout/emulator';
import { runCommand } from '../../src/cli/run-command.js';
import type { Manifest } from '../../src/manifest.js';
import { ScheduledRuns } from '../../src/run/index.js';
import { emulatorEnv } from '../helpers/cli.js';
import { EXTERNAL_ID, MANAGEMENT, orgScenario } from '../helpers/org-scenario.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';

const RUNS = Number(process.env.TEST_RUNS ?? 50);

describe('the schedule daemon over many runs', () => {
  let emulator: RunningEmulator;
  let dir: string;

  beforeAll(async () => {
    emulator = await startEmulator({ scenario: orgScenario() });
    dir = await mkdtemp(join(tmpdir(), 'fanout-schedule-many-'));
    // The daemon's process: its environment points at the emulator, its spill area under our dir.
    Object.assign(process.env, emulatorEnv(emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID, TMPDIR: dir }));
  });
  afterAll(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`makes ${RUNS} runs (each spilling results) with no listener piling up on the process`, async () => {
    const config = join(dir, 'pipeline.config.yaml');
    await writeFile(
      config,
      pipelineYaml()
        .replace('exclude: [', `include: ["${MANAGEMENT}"]\n  exclude: [`)
        .replaceAll('out/', `${dir}/out/`),
    );
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    let afterFirstRun = 0;
    const log = pino({ level: process.env.TEST_LOG ?? 'silent' });
    let finished: (code: number) => void = () => undefined;
    // The daemon's loop as `schedule` builds it, its cron never due: each run is started by hand.
    const runs = new ScheduledRuns({
      schedule: {
        cron: '0 0 1 1 *',
        timezone: 'UTC',
        shutdown: 'cancel',
        shutdownDeadlineSeconds: 1,
        runOnStart: false,
      },
      log,
      run: async (signal) => {
        const code = await runCommand(config, log, { signal, handleSignals: false }).catch((err: unknown) => {
          process.stderr.write(`run failed: ${String(err)}\n`);
          return -1;
        });
        finished(code);
        return code;
      },
    });
    const codes: number[] = [];
    try {
      for (let i = 0; i < RUNS; i++) {
        const done = new Promise<number>((r) => (finished = r));
        runs.start('test');
        codes.push(await done);
        // The run is over once the scheduler has settled it (only then may the next one start).
        while (runs.health().running) await new Promise((r) => setImmediate(r));
        if (i === 0) afterFirstRun = process.listenerCount('exit');
      }
    } finally {
      await runs.stop('SIGTERM');
      process.off('warning', onWarning);
    }
    await new Promise((r) => setImmediate(r));
    expect(codes).toEqual(Array.from({ length: RUNS }, () => 0));
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
    // What the first run added (once per process) is all there is after the fiftieth.
    expect(process.listenerCount('exit')).toBe(afterFirstRun);
  }, 300_000);

  it('a stop that comes before the run got going still cancels it: exit 143, an interrupted manifest', async () => {
    const config = join(dir, 'pipeline.config.yaml');
    await writeFile(config, pipelineYaml().replaceAll('out/', `${dir}/early/`));
    const log = pino({ level: process.env.TEST_LOG ?? 'silent' });
    const runs = new ScheduledRuns({
      schedule: {
        cron: '0 0 1 1 *',
        timezone: 'UTC',
        shutdown: 'cancel',
        shutdownDeadlineSeconds: 1,
        runOnStart: false,
      },
      log,
      run: (signal) => runCommand(config, log, { signal, handleSignals: false }),
    });
    const queriesBefore = emulator.record.queries.length;
    runs.start('test');
    // The cancel lands while the run still loads its config, before it listens for one.
    const code = await runs.stop('SIGTERM');
    expect(code).toBe(143);
    const manifest = JSON.parse(await readFile(join(dir, 'early/manifest.json'), 'utf8')) as Manifest;
    expect(manifest).toMatchObject({ status: 'interrupted', interrupted: true });
    expect(emulator.record.queries.length).toBe(queriesBefore);
  }, 60_000);
});
