import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { AlertSummary } from '../../src/notify/index.js';
import { emulatorEnv, repoRoot, runCli } from '../helpers/cli.js';
import { orgDir, runInOrgDir, type OrgDir } from '../helpers/org-run.js';
import { DENIED, MANAGEMENT, MEMBERS, orgScenario } from '../helpers/org-scenario.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';
import { selfSignedCert } from '../helpers/self-signed.js';

/**
 * Alerts through real CLI processes: a local webhook (which fails its first N requests, or never
 * answers) and SNS in the emulator. A run of three accounts, one of whose roles refuses AssumeRole, is
 * partial (exit 1); no alert outcome ever changes that.
 */
const TOPIC = `arn:aws:sns:eu-west-1:${MANAGEMENT}:fanout-alerts`;
const TOKEN = 'sEcReTtOkEnXyZ42';
const ACCOUNTS = [MANAGEMENT, MEMBERS[0]!, DENIED];

interface Hook {
  url: string;
  bodies: string[];
  server: Server;
}

/** A webhook on 127.0.0.1 that answers 500 to its first `failFirst` requests (all, if Infinity), or never answers. */
async function startHook(
  mode: { failFirst?: number; hang?: boolean; tls?: { key: Buffer; cert: Buffer } } = {},
): Promise<Hook> {
  const bodies: string[] = [];
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      body += d;
    });
    req.on('end', () => {
      bodies.push(body);
      if (mode.hang) return;
      const fail = bodies.length <= (mode.failFirst ?? 0);
      res.writeHead(fail ? 500 : 200, { 'content-type': 'text/plain' });
      res.end(fail ? 'temporarily broken' : 'ok');
    });
  };
  const server: Server = mode.tls ? createTlsServer(mode.tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const scheme = mode.tls ? 'https' : 'http';
  return { url: `${scheme}://127.0.0.1:${port}/services/T000/B000/${TOKEN}`, bodies, server };
}

function config(notify: string): string {
  return pipelineYaml(`notify:\n${notify}`).replace(
    / {2}exclude: .*\n/,
    `  include: [${ACCOUNTS.map((a) => `"${a}"`).join(', ')}]\n`,
  );
}

function scenario() {
  return { ...orgScenario(), topics: [{ arn: TOPIC }] };
}

async function documented(m: unknown) {
  const schema = z.fromJSONSchema(
    JSON.parse(
      await readFile(`${repoRoot}docs/manifest.schema.json`, 'utf8'),
    ) as z.core.JSONSchema.JSONSchema,
  );
  expect(schema.safeParse(m).error?.issues).toBeUndefined();
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});

async function hook(mode?: Parameters<typeof startHook>[0]): Promise<Hook> {
  const h = await startHook(mode);
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        h.server.closeAllConnections();
        h.server.close(() => {
          resolve();
        });
      }),
  );
  return h;
}

describe('notify: alerts after a run', () => {
  it('a partial run posts its summary to the webhook and SNS; a target not on partial is skipped', async () => {
    const h = await hook();
    const run = await runInOrgDir(
      config(`  - { type: webhook, url: "\${ALERT_WEBHOOK_URL}", format: slack, on: [failed, partial] }
  - { type: sns, topicArn: "${TOPIC}", on: [partial] }
  - { type: sns, topicArn: "${TOPIC}", on: [succeeded] }
`),
      { scenario: scenario(), env: { ALERT_WEBHOOK_URL: h.url } },
    );
    cleanups.push(run.cleanup);
    expect(run.result.code, run.result.stderr).toBe(1);
    expect(h.bodies).toHaveLength(1);
    const body = JSON.parse(h.bodies[0]!) as AlertSummary & { text: string };
    expect(body).toMatchObject({
      source: 'athena-fanout',
      status: 'partial',
      exitCode: 1,
      runId: run.manifest.runId,
    });
    expect(body.counts).toMatchObject({ units: 3, succeeded: 2, failed: 1 });
    const denied = body.failed.find((f) => f.accountId === DENIED);
    expect(denied?.query).toBe('inventory');
    expect(denied?.awsCode).toBe('AccessDenied');
    expect(denied?.awsMessage).toMatch(/is not authorized to perform: sts:AssumeRole/);
    expect(body.outputs.map((o) => o.state)).toEqual(['written', 'written']);
    expect(body.text).toContain('PARTIAL');
    expect(body.text).toContain(DENIED);

    const messages = run.emulator.record.messages;
    expect(messages).toHaveLength(1);
    expect(messages[0]!.subject).toBe(`athena-fanout partial: run ${run.manifest.runId}`);
    expect((JSON.parse(messages[0]!.message) as AlertSummary).failed[0]!.accountId).toBe(DENIED);

    expect(run.manifest.notifications).toEqual([
      { type: 'webhook', target: new URL(h.url).host, state: 'sent', attempts: 1, httpStatus: 200 },
      { type: 'sns', target: TOPIC, state: 'sent', attempts: 1, messageId: messages[0]!.messageId },
      {
        type: 'sns',
        target: TOPIC,
        state: 'skipped',
        attempts: 0,
        reason: 'status partial is not in on: [succeeded]',
      },
    ]);
    await documented(run.manifest);
  });

  it('an HTTPS webhook with a private CA is sent once AWS_CA_BUNDLE names the CA, and refused without it', async () => {
    const certDir = await mkdtemp(join(tmpdir(), 'fanout-hook-tls-'));
    cleanups.push(() => rm(certDir, { recursive: true, force: true }));
    const tls = await selfSignedCert(certDir);
    const h = await hook({ tls });
    const yaml = config(`  - { type: webhook, url: "\${HOOK}", retries: 0 }\n`);
    const untrusted = await runInOrgDir(yaml, { scenario: scenario(), env: { HOOK: h.url } });
    cleanups.push(untrusted.cleanup);
    expect(untrusted.result.code, untrusted.result.stderr).toBe(1);
    expect(h.bodies).toHaveLength(0);
    expect(untrusted.manifest.notifications?.[0]).toMatchObject({ state: 'failed', attempts: 1 });
    expect(untrusted.manifest.notifications?.[0]?.error).toMatch(/certificate/i);

    const trusted = await runInOrgDir(yaml, {
      scenario: scenario(),
      env: { HOOK: h.url, AWS_CA_BUNDLE: tls.certPath },
    });
    cleanups.push(trusted.cleanup);
    expect(trusted.result.code, trusted.result.stderr).toBe(1);
    expect(h.bodies).toHaveLength(1);
    expect(trusted.manifest.notifications).toEqual([
      { type: 'webhook', target: new URL(h.url).host, state: 'sent', attempts: 1, httpStatus: 200 },
    ]);
  });

  it('a webhook failing twice then answering is sent on the third attempt; the exit code is unchanged', async () => {
    const h = await hook({ failFirst: 2 });
    const run = await runInOrgDir(config(`  - { type: webhook, url: "${h.url}", retries: 3 }\n`), {
      scenario: scenario(),
    });
    cleanups.push(run.cleanup);
    expect(run.result.code, run.result.stderr).toBe(1);
    expect(h.bodies).toHaveLength(3);
    expect(run.manifest.notifications).toEqual([
      { type: 'webhook', target: new URL(h.url).host, state: 'sent', attempts: 3, httpStatus: 200 },
    ]);
  });

  it('a webhook that always fails or never answers: recorded as failed, exit code unchanged, its URL nowhere', async () => {
    const broken = await hook({ failFirst: Infinity });
    const silent = await hook({ hang: true });
    const run = await runInOrgDir(
      config(`  - { type: webhook, url: "\${BROKEN}", retries: 1 }
  - { type: webhook, url: "\${SILENT}", retries: 0, timeoutSeconds: 1 }
`),
      { scenario: scenario(), env: { BROKEN: broken.url, SILENT: silent.url, LOG_LEVEL: 'debug' } },
    );
    cleanups.push(run.cleanup);
    expect(run.result.code, run.result.stderr).toBe(1);
    expect(broken.bodies).toHaveLength(2);
    expect(run.manifest.notifications).toEqual([
      {
        type: 'webhook',
        target: new URL(broken.url).host,
        state: 'failed',
        attempts: 2,
        httpStatus: 500,
        error: 'HTTP 500 Internal Server Error: temporarily broken',
      },
      { type: 'webhook', target: new URL(silent.url).host, state: 'failed', attempts: 1, error: 'timed out' },
    ]);
    const manifestText = await readFile(join(run.dir, 'out/manifest.json'), 'utf8');
    for (const text of [run.result.stdout, run.result.stderr, manifestText])
      expect(text).not.toContain(TOKEN);
    expect(run.result.stderr).toContain('alert not sent');
    await documented(run.manifest);
  });

  it('a bad notify: target is a config error naming the field, before any AWS call (exit 2)', async () => {
    const setup: OrgDir = await orgDir(
      config(`  - { type: webhook, url: "http://hooks.example.com/services/${TOKEN}" }
  - { type: sns, topicArn: "arn:aws:sns:eu-west-1:1111:x", on: [] }
`),
      { scenario: scenario() },
    );
    cleanups.push(setup.cleanup);
    const result = await runCli(['run'], { cwd: setup.dir, env: emulatorEnv(setup.emulator) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/notify\.0\.url.*loopback host/);
    expect(result.stderr).toMatch(/notify\.1\.topicArn/);
    expect(result.stderr).toMatch(/notify\.1\.on/);
    expect(result.stderr + result.stdout).not.toContain(TOKEN);
    expect(setup.emulator.record.calls).toHaveLength(0);
  });
});
