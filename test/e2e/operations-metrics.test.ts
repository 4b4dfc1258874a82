import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import type { CliResult } from '../helpers/cli.js';
import { orgScenario } from '../helpers/org-scenario.js';
import { runInOrgDir } from '../helpers/org-run.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';

const THROTTLE_CODES = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'SlowDown']);

describe('metrics of a run with throttling injected on every API', () => {
  let emulator: RunningEmulator;
  let dir: string;
  let result: CliResult;
  let metrics: Map<string, number>;
  let manifest: Manifest;
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const scenario = orgScenario();
    scenario.knobs = { ...scenario.knobs, throttle: { rate: 0.1, actions: [], seed: 19 } };
    ({ emulator, dir, result, manifest, cleanup } = await runInOrgDir(
      pipelineYaml('metrics:\n  file: out/fanout.prom\n'),
      { scenario, prefix: 'fanout-metrics-' },
    ));
    const text = await readFile(join(dir, 'out/fanout.prom'), 'utf8');
    metrics = new Map(
      [...text.matchAll(/^(athena_fanout_\w+(?:\{[^}]*\})?) (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]),
    );
  });
  afterAll(() => cleanup?.());

  it('counts exactly the requests and the throttling answers the emulator sent (STS XML included)', () => {
    expect(result.code, result.stderr).toBe(1);
    const calls = emulator.record.calls;
    const throttled = calls.filter((c) => c.errorCode !== undefined && THROTTLE_CODES.has(c.errorCode));
    expect(throttled.length).toBeGreaterThan(3);
    // Seed 19 throttles the very first call, the master chain's first AssumeRole (STS answers in XML).
    expect(throttled.some((c) => c.service === 'sts')).toBe(true);
    expect(metrics.get('athena_fanout_last_run_aws_requests')).toBe(calls.length);
    expect(metrics.get('athena_fanout_last_run_aws_throttles')).toBe(throttled.length);
  });

  it('agrees with the manifest on units, rows and bytes', () => {
    expect(metrics.get('athena_fanout_last_run_units{state="succeeded"}')).toBe(manifest.totals.succeeded);
    expect(metrics.get('athena_fanout_last_run_units{state="failed"}')).toBe(manifest.totals.failed);
    expect(metrics.get('athena_fanout_last_run_rows')).toBe(manifest.totals.rows);
    expect(metrics.get('athena_fanout_last_run_data_scanned_bytes')).toBe(manifest.totals.dataScannedInBytes);
    expect(metrics.get('athena_fanout_runs_total{status="partial"}')).toBe(1);
  });
});
