import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { agentOptions } from '../../src/aws/http-handler.js';
import { previousRunCounts, pushMetrics, renderMetrics } from '../../src/observability/metrics.js';
import { startLocalProxy } from '../helpers/local-proxy.js';
import type { Manifest, UnitRecord } from '../../src/manifest.js';

function unit(over: Partial<UnitRecord>): UnitRecord {
  return {
    accountId: '111111111111',
    query: 'q',
    state: 'succeeded',
    attempts: 1,
    queryExecutionIds: ['x'],
    rows: 0,
    ...over,
  };
}

const manifest: Manifest = {
  manifestVersion: 1,
  runId: 'r1',
  status: 'partial',
  exitCode: 1,
  interrupted: false,
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:01:30.000Z',
  durationMs: 90_000,
  region: 'eu-west-1',
  accounts: { discovered: 4, selected: 3, skipped: [{ accountId: '4', reason: 'SUSPENDED' }] },
  units: [
    unit({ rows: 10, dataScannedInBytes: 1_000, attempts: 2 }),
    unit({ rows: 5, dataScannedInBytes: 20 * 1024 * 1024 }),
    unit({ state: 'failed', attempts: 3 }),
  ],
  outputs: [],
  totals: {
    units: 3,
    succeeded: 2,
    failed: 1,
    cancelled: 0,
    rows: 15,
    dataScannedInBytes: 20 * 1024 * 1024 + 1_000,
  },
  warnings: [],
};

/** Parses exposition text into `name{labels}` → value, failing on any malformed sample line. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.trim().split('\n')) {
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-z_]+(?:\{[^}]*\})?) (-?[\d.e+-]+|NaN)$/.exec(line);
    expect(m, line).not.toBeNull();
    out.set(m![1]!, Number(m![2]));
  }
  return out;
}

describe('renderMetrics', () => {
  it('exposes runs, units by state, rows, bytes, cost, duration, retries and throttles', () => {
    const text = renderMetrics(manifest, { requests: 40, throttled: 3 });
    const m = parse(text);
    expect(m.get('athena_fanout_runs_total{status="partial"}')).toBe(1);
    expect(m.get('athena_fanout_last_run_units{state="succeeded"}')).toBe(2);
    expect(m.get('athena_fanout_last_run_units{state="failed"}')).toBe(1);
    expect(m.get('athena_fanout_last_run_units{state="cancelled"}')).toBe(0);
    expect(m.get('athena_fanout_last_run_rows')).toBe(15);
    expect(m.get('athena_fanout_last_run_data_scanned_bytes')).toBe(20 * 1024 * 1024 + 1_000);
    expect(m.get('athena_fanout_last_run_duration_seconds')).toBe(90);
    expect(m.get('athena_fanout_last_run_unit_retries')).toBe(3);
    expect(m.get('athena_fanout_last_run_aws_throttles')).toBe(3);
    expect(m.get('athena_fanout_last_run_aws_requests')).toBe(40);
    expect(m.get('athena_fanout_last_run_accounts_skipped')).toBe(1);
    expect(m.get('athena_fanout_last_run_success')).toBe(0);
    // Each query is billed at least 10 MB: 10 MB + 20 MB at $5 per TB.
    expect(m.get('athena_fanout_last_run_estimated_cost_usd')).toBeCloseTo((30 * 1024 * 1024 * 5) / 1e12, 12);
    expect(text).toContain('# TYPE athena_fanout_runs_total counter');
    const own = renderMetrics(
      { ...manifest, totals: { ...manifest.totals, estimatedCostUSD: 1.25 } },
      { requests: 0, throttled: 0 },
    );
    expect(parse(own).get('athena_fanout_last_run_estimated_cost_usd')).toBe(1.25);
  });

  it('keeps counting runs across files, by status', () => {
    const first = renderMetrics(manifest, { requests: 0, throttled: 0 });
    const second = renderMetrics(
      { ...manifest, status: 'succeeded' },
      { requests: 0, throttled: 0 },
      previousRunCounts(first),
    );
    const third = parse(renderMetrics(manifest, { requests: 0, throttled: 0 }, previousRunCounts(second)));
    expect(third.get('athena_fanout_runs_total{status="partial"}')).toBe(2);
    expect(third.get('athena_fanout_runs_total{status="succeeded"}')).toBe(1);
  });

  it("labels every series of a shard, and still counts that shard's runs across files", () => {
    const first = renderMetrics(manifest, { requests: 0, throttled: 0 }, new Map(), { shard: '1-of-4' });
    const second = parse(
      renderMetrics(manifest, { requests: 0, throttled: 0 }, previousRunCounts(first), { shard: '1-of-4' }),
    );
    expect(second.get('athena_fanout_runs_total{shard="1-of-4",status="partial"}')).toBe(2);
    expect(second.get('athena_fanout_last_run_rows{shard="1-of-4"}')).toBe(15);
    expect([...second.keys()].every((k) => k.includes('shard="1-of-4"'))).toBe(true);
  });
});

describe('pushMetrics', () => {
  it('PUTs the text to the job group of a Pushgateway, and reports (not throws) a failure', async () => {
    const seen: { method?: string; url?: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, body });
        res.writeHead(seen.length === 1 ? 200 : 500).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      expect(
        await pushMetrics(`http://127.0.0.1:${port}/`, 'x 1\n', { job: 'athena_fanout' }),
      ).toBeUndefined();
      expect(seen[0]).toEqual({ method: 'PUT', url: '/metrics/job/athena_fanout', body: 'x 1\n' });
      expect(await pushMetrics(`http://127.0.0.1:${port}`, 'x 1\n', { job: 'j', instance: 'a/b' })).toMatch(
        /500/,
      );
      expect(seen[1]!.url).toBe('/metrics/job/j/instance/a%2Fb');
      await pushMetrics(`http://127.0.0.1:${port}`, 'x 1\n', { job: 'j', shard: '2-of-4' });
      expect(seen[2]!.url).toBe('/metrics/job/j/shard/2-of-4');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('pushMetrics through a proxy', () => {
  it('uses the agents it is given, so HTTP_PROXY applies to the push as to AWS calls', async () => {
    const proxy = await startLocalProxy();
    const gateway = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(202).end());
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const { port } = gateway.address() as { port: number };
    const { httpAgent, httpsAgent } = agentOptions({ maxSockets: 1 }, { HTTP_PROXY: proxy.url });
    try {
      const problem = await pushMetrics(`http://127.0.0.1:${port}`, 'x 1\n', {
        job: 'athena_fanout',
        agents: { http: httpAgent, https: httpsAgent },
      });
      expect(problem).toBeUndefined();
      expect(proxy.forwarded).toEqual([`http://127.0.0.1:${port}/metrics/job/athena_fanout`]);
    } finally {
      httpAgent.destroy();
      gateway.closeAllConnections();
      await new Promise((r) => gateway.close(r));
      await proxy.close();
    }
  });
});
