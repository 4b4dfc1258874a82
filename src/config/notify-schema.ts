import { isIP } from 'node:net';
import * as z from 'zod';
import { seconds, strict, text, wholeNumber } from './schema-parts.js';

/** The run statuses an alert can be sent on (an interrupted run alerts as `failed`). */
export const ALERT_STATUSES = ['failed', 'partial', 'succeeded'] as const;
export const MAX_NOTIFY_RETRIES = 10;
export const MAX_NOTIFY_TIMEOUT_SECONDS = 300;
export const SNS_TOPIC_ARN = /^arn:aws[\w-]*:sns:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):([\w-]{1,256})$/;

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopback(hostname: string): boolean {
  if (LOOPBACK_NAMES.has(hostname.toLowerCase())) return true;
  return isIP(hostname) === 4 && hostname.startsWith('127.');
}

/**
 * What is wrong with a webhook URL. Never quotes the URL: Slack and Teams URLs carry their token in
 * the path, and a config error is printed.
 */
export function webhookUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'expected an https:// URL (the value is not shown: a webhook URL is a secret)';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return undefined;
  if (url.protocol === 'http:') return 'expected https://: plain http is allowed only for a loopback host';
  return `expected an https:// URL, not ${url.protocol}//`;
}

const on = z
  .array(z.enum(ALERT_STATUSES, { error: `expected ${ALERT_STATUSES.join(', ')}` }))
  .min(1, { error: 'needs at least one status, e.g. [failed, partial]' })
  .transform((list) => ALERT_STATUSES.filter((s) => list.includes(s)))
  .default(['failed', 'partial'])
  .meta({ description: 'The run statuses that send this alert (an interrupted run counts as failed).' });

const delivery = {
  on,
  timeoutSeconds: seconds(1, MAX_NOTIFY_TIMEOUT_SECONDS, '5 minutes')
    .default(10)
    .meta({ description: 'Time limit of each attempt.' }),
  retries: wholeNumber(0, MAX_NOTIFY_RETRIES, `expected a whole number from 0 to ${MAX_NOTIFY_RETRIES}`)
    .default(3)
    .meta({ description: 'Attempts after the first one fails (full-jitter backoff).' }),
};

/** `notify:`: where a run's summary is sent once its manifest is written. */
export const notifySchema = z.array(
  z.discriminatedUnion(
    'type',
    [
      strict({
        type: z.literal('webhook'),
        url: text(webhookUrlProblem).meta({
          description:
            'HTTPS URL the summary is POSTed to as JSON; write it as ${ENV_VAR}: it is a secret, redacted from logs and the manifest.',
        }),
        format: z
          .enum(['json', 'slack'], { error: 'expected json or slack' })
          .default('json')
          .meta({ description: 'slack adds a Slack-compatible `text` field to the JSON body.' }),
        ...delivery,
      }),
      strict({
        type: z.literal('sns'),
        topicArn: z.string().regex(SNS_TOPIC_ARN, {
          error: 'expected an SNS topic ARN, e.g. arn:aws:sns:eu-west-1:111111111111:fanout-alerts',
        }),
        ...delivery,
      }),
    ],
    { error: 'expected type: webhook or sns' },
  ),
);
