import { request as httpRequest, type Agent } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpAnswer {
  status: number;
  statusMessage: string;
  /** The start of the answer's body, at most `keepChars` characters. */
  text: string;
}

export interface HttpSend {
  method: 'POST' | 'PUT';
  headers: Record<string, string | number>;
  body: string;
  /** The proxy and CA settings of the AWS calls travel in these (fetch would ignore them). */
  agents?: { http: Agent; https: Agent };
  signal?: AbortSignal;
  timeoutMs?: number;
  keepChars?: number;
}

/**
 * One request over http or https, resolved with the answer whatever its status; rejected only when
 * no answer came (unreachable, timed out, aborted). Callers decide what a status means.
 */
export function sendHttp(url: string, opts: HttpSend): Promise<HttpAnswer> {
  const secure = url.startsWith('https:');
  const send = secure ? httpsRequest : httpRequest;
  const agent = secure ? opts.agents?.https : opts.agents?.http;
  const keep = opts.keepChars ?? 0;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = send(
      url,
      {
        method: opts.method,
        headers: { ...opts.headers, 'content-length': Buffer.byteLength(opts.body) },
        ...(agent ? { agent } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (text.length < keep) text += d;
        });
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? '',
            text: text.slice(0, keep),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`timed out after ${Math.round((opts.timeoutMs ?? 0) / 1000)} s`)),
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
