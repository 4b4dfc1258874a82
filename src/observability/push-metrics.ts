import type { Agent } from 'node:http';
import { sendHttp } from './send-http.js';

/**
 * PUT to a Pushgateway's job group, replacing the previous push of this job (and instance, and shard,
 * when set: each shard of a run has its own group, so shards never replace each other's push).
 * `agents` carry the proxy and CA settings of the AWS calls. Errors are returned, not thrown: a
 * monitoring outage must not fail the extraction.
 */
export async function pushMetrics(
  url: string,
  text: string,
  opts: { job: string; instance?: string; shard?: string; agents?: { http: Agent; https: Agent } },
): Promise<string | undefined> {
  const group = (key: string, value: string | undefined) =>
    value ? `/${key}/${encodeURIComponent(value)}` : '';
  const target = `${url.replace(/\/+$/, '')}/metrics/job/${encodeURIComponent(opts.job)}${group(
    'instance',
    opts.instance,
  )}${group('shard', opts.shard)}`;
  try {
    const { status, statusMessage } = await sendHttp(target, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain; version=0.0.4' },
      body: text,
      timeoutMs: 10_000,
      ...(opts.agents ? { agents: opts.agents } : {}),
    });
    return status >= 200 && status < 300
      ? undefined
      : `Pushgateway ${target} answered ${status} ${statusMessage}`.trim();
  } catch (err) {
    return `Pushgateway ${target} unreachable: ${(err as Error).message}`;
  }
}
