import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import * as z from 'zod';
import { emulatorEnv, repoRoot, runCli, type CliResult } from '../helpers/cli.js';
import { emulatorDir } from '../helpers/org-run.js';
import { DENIED, EXTERNAL_ID, orgScenario } from '../helpers/org-scenario.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';

const BASE_SESSION_TOKEN = 'FQoGZXIvYXdzEBASE-session-token-e2e-7d1c';

describe('no secret reaches logs, manifest, metrics or error output', () => {
  let emulator: RunningEmulator;
  let dir: string;
  let gateway: Server;
  let cleanup: (() => Promise<void>) | undefined;
  const pushes: { url: string; body: string }[] = [];
  const runs: { name: string; result: CliResult; files: Record<string, string> }[] = [];
  // Each run overwrites the files, so they are read right after it.
  const filesOf = async (names: string[]) =>
    Object.fromEntries(
      await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n), 'utf8')] as const)),
    );

  beforeAll(async () => {
    const scenario = orgScenario();
    scenario.identities[0]!.sessionToken = BASE_SESSION_TOKEN;
    ({ emulator, dir, cleanup } = await emulatorDir({ scenario, prefix: 'fanout-secrets-' }));
    gateway = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        pushes.push({ url: req.url ?? '', body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const gatewayUrl = `http://127.0.0.1:${(gateway.address() as { port: number }).port}`;
    await writeFile(
      join(dir, 'pipeline.config.yaml'),
      pipelineYaml(`metrics:\n  file: out/fanout.prom\n  pushgateway: ${gatewayUrl}\n`),
    );
    const env = emulatorEnv(emulator, {
      FANOUT_EXTERNAL_ID: EXTERNAL_ID,
      AWS_SESSION_TOKEN: BASE_SESSION_TOKEN,
      LOG_LEVEL: 'trace',
    });
    // A run with a denied account (unit errors), then one whose ExternalId is refused (run error).
    const ok = await runCli(['run'], { cwd: dir, env });
    runs.push({
      name: 'partial run',
      result: ok,
      files: await filesOf(['out/manifest.json', 'out/fanout.prom']),
    });
    const refused = await runCli(['run'], {
      cwd: dir,
      env: { ...env, FANOUT_EXTERNAL_ID: 'wrong-external-id-5ec2e7' },
    });
    runs.push({
      name: 'refused run',
      result: refused,
      files: await filesOf(['out/manifest.json', 'out/fanout.prom']),
    });
    const bad = await runCli(['validate'], {
      cwd: dir,
      env: { ...env, FANOUT_EXTERNAL_ID: 'bad external id with spaces 5ec2e7' },
    });
    runs.push({ name: 'invalid config', result: bad, files: {} });
  });
  afterAll(async () => {
    await cleanup?.();
    gateway.closeAllConnections();
    await new Promise((r) => gateway.close(r));
  });

  it('the runs did what they were meant to (so the search below is not vacuous)', () => {
    expect(runs[0]!.result.code, runs[0]!.result.stderr).toBe(1);
    expect(runs[0]!.result.stdout).toContain(DENIED);
    expect(runs[0]!.result.stderr).toContain('"msg":"assume role"');
    expect(runs[1]!.result.code).toBe(3);
    expect(runs[1]!.result.stderr).toMatch(/AccessDenied|not authorized/);
    expect(runs[2]!.result.code).toBe(2);
    // Sessions were really issued, so their secrets are in the list searched for.
    expect(emulator.secrets().length).toBeGreaterThan(10);
  });

  it('finds none of the secret keys, session tokens or ExternalIds anywhere', () => {
    const secrets = [
      'e2e-base-secret-do-not-log',
      BASE_SESSION_TOKEN,
      EXTERNAL_ID,
      'wrong-external-id-5ec2e7',
      ...emulator.secrets(),
    ];
    for (const run of runs) {
      const texts: [string, string][] = [
        ['stdout', run.result.stdout],
        ['stderr', run.result.stderr],
      ];
      texts.push(...Object.entries(run.files));
      texts.push(...pushes.map((p, i): [string, string] => [`push ${i}`, p.body]));
      for (const [where, text] of texts) {
        for (const s of secrets) expect(text.includes(s), `${run.name}: ${where} contains ${s}`).toBe(false);
      }
    }
  });

  it('writes manifests that match docs/manifest.schema.json', async () => {
    const schema = z.fromJSONSchema(
      JSON.parse(
        await readFile(`${repoRoot}docs/manifest.schema.json`, 'utf8'),
      ) as z.core.JSONSchema.JSONSchema,
    );
    for (const run of runs.slice(0, 2)) {
      const manifest = JSON.parse(run.files['out/manifest.json']!) as unknown;
      const parsed = schema.safeParse(manifest);
      expect(parsed.error?.issues, run.name).toBeUndefined();
    }
  });

  it('writes the Prometheus metrics file at the end of each run', async () => {
    const prom = await readFile(join(dir, 'out/fanout.prom'), 'utf8');
    expect(prom).toContain('athena_fanout_runs_total{status="partial"} 1');
    expect(prom).toContain('athena_fanout_runs_total{status="failed"} 1');
    expect(prom).toMatch(/^athena_fanout_last_run_aws_requests [1-9]\d*$/m);
    // And the same text was pushed to the Pushgateway after each run.
    expect(pushes.map((p) => p.url)).toEqual(['/metrics/job/athena_fanout', '/metrics/job/athena_fanout']);
    expect(pushes[1]!.body).toBe(prom);
  });
});
