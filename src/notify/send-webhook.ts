import { agentOptions } from '../aws/http-handler.js';
import { sendHttp } from '../observability/send-http.js';
import { DeliveryError } from './delivery-error.js';

/** How much of an error answer is kept (Slack answers e.g. "invalid_payload", "no_service"). */
const MAX_ANSWER_CHARS = 200;

/** Retried: a server error, 408 and 429; any other 4xx means the request itself is wrong. */
const retryableStatus = (code: number): boolean => code >= 500 || code === 408 || code === 429;

/**
 * POSTs `body` as JSON. Resolves with the status on 2xx; else throws DeliveryError whose message
 * never holds the URL (it is a secret). Through HTTPS_PROXY / AWS_CA_BUNDLE as the AWS calls are.
 */
export async function postJson(url: string, body: string, signal: AbortSignal): Promise<number> {
  const { httpAgent, httpsAgent } = agentOptions({ maxSockets: 1 }, process.env);
  try {
    const answer = await sendHttp(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'athena-fanout' },
      body,
      agents: { http: httpAgent, https: httpsAgent },
      signal,
      keepChars: MAX_ANSWER_CHARS,
    }).catch((err: unknown) => {
      const message = signal.aborted ? 'timed out' : `unreachable: ${(err as Error).message}`;
      throw new DeliveryError(message, true);
    });
    const { status, statusMessage, text } = answer;
    if (status >= 200 && status < 300) return status;
    const words = text.trim();
    const message = `HTTP ${status}${statusMessage ? ` ${statusMessage}` : ''}${words ? `: ${words}` : ''}`;
    throw new DeliveryError(message, retryableStatus(status), { httpStatus: status });
  } finally {
    httpAgent.destroy();
    httpsAgent.destroy();
  }
}
