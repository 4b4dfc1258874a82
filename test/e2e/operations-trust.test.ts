import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/manifest.js';
import { type CliResult, emulatorEnv, runCli } from '../helpers/cli.js';
import { orgDir, type OrgDir } from '../helpers/org-run.js';
import { EXTERNAL_ID, MANAGEMENT } from '../helpers/org-scenario.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';

// Short on purpose: too short for the known-secret net (6 characters), so only URL redaction can catch it.
const PASSWORD = 'Zq7';
const USER = 'pushuser';

describe('a run writes what it says, and logs no URL credentials', () => {
  let org: OrgDir;
  let gateway: Server;
  let port = 0;
  const pushes: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    // A Pushgateway stand-in that refuses the push, so the run logs the URL it pushed to.
    gateway = createServer((req, res) => {
      pushes.push(req.headers);
      req.resume();
      req.on('end', () => res.writeHead(503).end('unavailable'));
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    port = (gateway.address() as { port: number }).port;
    const yaml = pipelineYaml(`metrics:\n  pushgateway: http://${USER}:${PASSWORD}@127.0.0.1:${port}/\n`)
      .replace(`exclude: [`, `include: ["${MANAGEMENT}"]\n  exclude: [`)
      .replace('path: out/{query}.parquet', "path: 'out/{runDate}/{query}.parquet'");
    org = await orgDir(yaml, { prefix: 'fanout-trust-' });
  });
  afterAll(async () => {
    await org.cleanup();
    await new Promise((r) => gateway.close(r));
  });

  // One run (`--run-id nightly-2026-01-01`), two points.
  let ran: Promise<{ result: CliResult; manifestText: string; manifest: Manifest }> | undefined;
  const run = () =>
    (ran ??= (async () => {
      const result = await runCli(['run', '--run-id', 'nightly-2026-01-01'], {
        cwd: org.dir,
        env: emulatorEnv(org.emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID }),
      });
      expect(result.code, result.stderr).toBe(0);
      const manifestText = await readFile(join(org.dir, 'out/manifest.json'), 'utf8');
      return { result, manifestText, manifest: JSON.parse(manifestText) as Manifest };
    })());

  it('redacts the Pushgateway URL’s user:password in every log line and the manifest, and still pushes with them', async () => {
    const { result, manifestText } = await run();

    // The push carried the credentials...
    expect(pushes.length).toBeGreaterThan(0);
    expect(pushes[0]!.authorization).toBe(`Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`);
    // ...and the log says where it pushed, without them.
    expect(result.stderr).toContain(`http://[redacted]@127.0.0.1:${port}/metrics/job/athena_fanout`);
    for (const text of [result.stdout, result.stderr, manifestText]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(`${USER}:`);
    }
  });

  it('fills {runDate} in sink paths with the UTC day the run started, not the run id’s first characters', async () => {
    const { manifest } = await run();
    // {runDate}: the UTC day the run started (as {{runDate}} in SQL), not the run id's first characters.
    const day = manifest.startedAt.slice(0, 10);
    expect(await readdir(join(org.dir, 'out'))).toEqual(expect.arrayContaining([day, 'manifest.json']));
    expect(await readdir(join(org.dir, 'out', day))).toEqual(['inventory.parquet']);
    expect(manifest.outputs.map((o) => o.path)).toContain(join(org.dir, 'out', day, 'inventory.parquet'));
  });
});
