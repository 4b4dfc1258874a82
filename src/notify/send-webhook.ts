import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { agentOptions } from '../aws/http-handler.js';
import { DeliveryError } from './delivery-error.js';

/** How much of an error answer is kept (Slack answers e.g. "invalid_payload", "no_service"). */
const MAX_ANSWER_CHARS = 200;

/** Retried: a server error, 408 and 429; any other 4xx means the request itself is wrong. */
const retryableStatus = (code: number): boolean => code >= 500 || code === 408 || code === 429;

/**
 * POSTs `body` as JSON. Resolves with the status on 2xx; else throws DeliveryError whose message
 * never holds the URL (it is a secret). Through HTTPS_PROXY / AWS_CA_BUNDLE as the AWS calls are.
 */
export function postJson(url: string, body: string, signal: AbortSignal): Promise<number> {
  const secure = url.startsWith('https:');
  const { httpAgent, httpsAgent } = agentOptions({ maxSockets: 1 }, process.env);
  const agent = secure ? httpsAgent : httpAgent;
  const send = secure ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        agent,
        signal,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'athena-fanout',
        },
      },
      (res) => {
        const code = res.statusCode ?? 0;
        let answer = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (answer.length < MAX_ANSWER_CHARS) answer += d;
        });
        res.on('end', () => {
          if (code >= 200 && code < 300) resolve(code);
          else {
            const words = answer.trim().slice(0, MAX_ANSWER_CHARS);
            const message = `HTTP ${code}${res.statusMessage ? ` ${res.statusMessage}` : ''}${words ? `: ${words}` : ''}`;
            reject(new DeliveryError(message, retryableStatus(code), { httpStatus: code }));
          }
        });
        res.on('error', (err) => {
          reject(new DeliveryError(err.message, true, { httpStatus: code }));
        });
      },
    );
    req.on('error', (err) => {
      const message = signal.aborted ? 'timed out' : `unreachable: ${err.message}`;
      reject(new DeliveryError(message, true));
    });
    req.end(body);
  }).finally(() => {
    httpAgent.destroy();
    httpsAgent.destroy();
  });
}
