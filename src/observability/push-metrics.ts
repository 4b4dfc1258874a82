import { request as httpRequest, type Agent } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * PUT to a Pushgateway's job group, replacing the previous push of this job (and instance, and shard,
 * when set: each shard of a run has its own group, so shards never replace each other's push).
 * `agents` carry the proxy and CA settings of the AWS calls (fetch would ignore them). Errors are
 * returned, not thrown: a monitoring outage must not fail the extraction.
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
  const secure = target.startsWith('https:');
  const send = secure ? httpsRequest : httpRequest;
  const agent = secure ? opts.agents?.https : opts.agents?.http;
  return new Promise((resolve) => {
    const req = send(
      target,
      {
        method: 'PUT',
        headers: { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(text) },
        timeout: 10_000,
        ...(agent ? { agent } : {}),
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(
          code >= 200 && code < 300
            ? undefined
            : `Pushgateway ${target} answered ${code} ${res.statusMessage ?? ''}`.trim(),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', (err) => {
      resolve(`Pushgateway ${target} unreachable: ${err.message}`);
    });
    req.end(text);
  });
}
