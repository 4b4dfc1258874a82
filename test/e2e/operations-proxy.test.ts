import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type Server } from 'node:https';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import { emulatorEnv, runCli } from '../helpers/cli.js';
import { emulatorDir } from '../helpers/org-run.js';
import { EXTERNAL_ID } from '../helpers/org-scenario.js';
import { startLocalProxy, type LocalProxy } from '../helpers/local-proxy.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';
import { selfSignedCert } from '../helpers/self-signed.js';

/** TLS in front of the emulator with a self-signed certificate only AWS_CA_BUNDLE makes trusted. */
async function tlsFront(dir: string, target: string): Promise<{ server: Server; url: string; ca: string }> {
  const { key, cert, certPath: ca } = await selfSignedCert(dir);
  const up = new URL(target);
  const server = createServer({ key, cert }, (req, res) => {
    const fwd = request(
      { host: up.hostname, port: up.port, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    req.pipe(fwd);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `https://127.0.0.1:${(server.address() as { port: number }).port}`, ca };
}

describe('every AWS call goes through HTTPS_PROXY / HTTP_PROXY unless NO_PROXY says otherwise', () => {
  let emulator: RunningEmulator;
  let proxy: LocalProxy;
  let dir: string;
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ emulator, dir, cleanup } = await emulatorDir({ prefix: 'fanout-proxy-', config: pipelineYaml() }));
    proxy = await startLocalProxy();
  });
  afterAll(async () => {
    await proxy.close();
    await cleanup?.();
  });

  it('sends every request of a run through HTTP_PROXY (the proxy forwarded exactly what the emulator saw)', async () => {
    const result = await runCli(['run'], {
      cwd: dir,
      env: emulatorEnv(emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID, HTTP_PROXY: proxy.url }),
    });
    expect(result.code, result.stderr).toBe(1);
    const calls = emulator.record.calls.length;
    expect(calls).toBeGreaterThan(20);
    expect(proxy.forwarded).toHaveLength(calls);
    expect(proxy.forwarded.every((u) => u.startsWith(`${emulator.endpoint}/`))).toBe(true);
  });

  it('bypasses the proxy for hosts in NO_PROXY', async () => {
    const before = proxy.forwarded.length;
    const calls = emulator.record.calls.length;
    const result = await runCli(['run'], {
      cwd: dir,
      env: emulatorEnv(emulator, {
        FANOUT_EXTERNAL_ID: EXTERNAL_ID,
        HTTP_PROXY: proxy.url,
        NO_PROXY: '127.0.0.1',
      }),
    });
    expect(result.code, result.stderr).toBe(1);
    expect(emulator.record.calls.length).toBeGreaterThan(calls);
    expect(proxy.forwarded).toHaveLength(before);
  });

  it('tunnels HTTPS through HTTPS_PROXY with CONNECT and trusts a private CA from AWS_CA_BUNDLE', async () => {
    const front = await tlsFront(dir, emulator.endpoint);
    try {
      const env = emulatorEnv(emulator, {
        FANOUT_EXTERNAL_ID: EXTERNAL_ID,
        AWS_ENDPOINT_URL: front.url,
        HTTPS_PROXY: proxy.url,
      });
      const untrusted = await runCli(['run'], { cwd: dir, env });
      expect(untrusted.code).toBe(3);
      expect(untrusted.stderr + untrusted.stdout).toMatch(/self[- ]signed|certificate/i);

      const calls = emulator.record.calls.length;
      const tunnels = proxy.tunnels.length;
      const trusted = await runCli(['run'], { cwd: dir, env: { ...env, AWS_CA_BUNDLE: front.ca } });
      expect(trusted.code, trusted.stderr).toBe(1);
      const manifest = JSON.parse(await readFile(join(dir, 'out/manifest.json'), 'utf8')) as Manifest;
      expect(manifest.totals.succeeded).toBeGreaterThan(10);
      expect(emulator.record.calls.length - calls).toBeGreaterThan(20);
      const opened = proxy.tunnels.slice(tunnels);
      expect(opened.length).toBeGreaterThan(0);
      expect(new Set(opened)).toEqual(new Set([front.url.slice('https://'.length)]));
      // Keep-alive: far fewer tunnels (connections) than requests.
      expect(opened.length).toBeLessThan((emulator.record.calls.length - calls) / 2);
    } finally {
      front.server.closeAllConnections();
      await new Promise((r) => front.server.close(r));
    }
  });
});
