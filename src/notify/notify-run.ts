import type { Logger } from 'pino';
import type { CredentialProvider } from '../aws/index.js';
import type { NotifyTarget } from '../config/index.js';
import type { Manifest, NotificationRecord } from '../manifest.js';
import { registerSecrets, scrubText } from '../observability/redact.js';
import { retry } from '../scheduler/retry.js';
import { DeliveryError } from './delivery-error.js';
import { publishSns, SNS_MAX_MESSAGE_BYTES, snsSubject } from './send-sns.js';
import { postJson } from './send-webhook.js';
import { type AlertSummary, buildSummary, fitSummary, slackText } from './summary.js';

export interface NotifyOptions {
  manifestPath: string;
  log: Logger;
  /** The run's base credentials, for SNS; absent = the AWS SDK default chain. */
  credentials?: CredentialProvider;
  /** Set for one shard of a sharded run: its alerts are left to `merge`. */
  shard?: boolean;
  /** First backoff ceiling (full jitter, doubling per attempt, at most 30 s). */
  baseDelayMs?: number;
}

/** Webhook URLs carry their token (Slack, Teams): known to the scrubber before anything is logged. */
export function registerNotifySecrets(targets: readonly NotifyTarget[]): void {
  for (const t of targets) if (t.type === 'webhook') registerSecrets(t.url);
}

/** What a record names the target by: never the webhook URL. */
function targetName(t: NotifyTarget): string {
  if (t.type === 'sns') return t.topicArn;
  try {
    return new URL(t.url).host;
  } catch {
    return 'webhook';
  }
}

function sendOnce(
  t: NotifyTarget,
  summary: AlertSummary,
  credentials: CredentialProvider | undefined,
  signal: AbortSignal,
): Promise<{ httpStatus?: number; messageId?: string }> {
  if (t.type === 'webhook') {
    const body = JSON.stringify(t.format === 'slack' ? { text: slackText(summary), ...summary } : summary);
    return postJson(t.url, body, signal).then((httpStatus) => ({ httpStatus }));
  }
  const fitted = fitSummary(summary, SNS_MAX_MESSAGE_BYTES);
  if (!fitted) return Promise.reject(new DeliveryError('the summary does not fit an SNS message', false));
  const subject = snsSubject(`athena-fanout ${summary.status}: run ${summary.runId}`);
  return publishSns(t, { subject, body: JSON.stringify(fitted) }, credentials, signal).then((messageId) => ({
    messageId,
  }));
}

async function deliver(
  t: NotifyTarget,
  summary: AlertSummary,
  o: NotifyOptions,
): Promise<NotificationRecord> {
  const base = { type: t.type, target: targetName(t) };
  let attempts = 0;
  try {
    const out = await retry(
      (attempt) => {
        attempts = attempt;
        return sendOnce(t, summary, o.credentials, AbortSignal.timeout(t.timeoutSeconds * 1000));
      },
      {
        attempts: t.retries + 1,
        baseDelayMs: o.baseDelayMs ?? 1000,
        maxDelayMs: 30_000,
        isRetryable: (err) => !(err instanceof DeliveryError) || err.retryable,
        onRetry: (err, attempt, delayMs) => {
          o.log.warn(
            { target: base.target, attempt, delayMs, error: scrubText((err as Error).message) },
            'alert attempt failed; retrying',
          );
        },
      },
    );
    return { ...base, state: 'sent', attempts, ...out };
  } catch (err) {
    const last = err instanceof DeliveryError ? err : new DeliveryError((err as Error).message, false);
    return {
      ...base,
      state: 'failed',
      attempts,
      ...last.detail,
      error: scrubText(last.message),
    };
  }
}

/**
 * Sends the summary of a finished manifest to every target whose `on:` holds the run's status (an
 * interrupted run counts as failed), the targets at once, each with its retries. Never throws: a
 * target's outcome is its record, and a failed alert never changes the run's status or exit code.
 */
export async function notifyRun(
  targets: readonly NotifyTarget[],
  manifest: Manifest,
  o: NotifyOptions,
): Promise<NotificationRecord[]> {
  registerNotifySecrets(targets);
  const summary = buildSummary(manifest, o.manifestPath);
  const records = await Promise.all(
    targets.map(async (t): Promise<NotificationRecord> => {
      const base = { type: t.type, target: targetName(t), attempts: 0 };
      if (o.shard) return { ...base, state: 'skipped', reason: 'one shard of a run: merge sends the alerts' };
      if (!t.on.includes(summary.alertStatus)) {
        return {
          ...base,
          state: 'skipped',
          reason: `status ${summary.alertStatus} is not in on: [${t.on.join(', ')}]`,
        };
      }
      try {
        return await deliver(t, summary, o);
      } catch (err) {
        return { ...base, state: 'failed', error: scrubText(String(err)) };
      }
    }),
  );
  for (const r of records) {
    const fields = { type: r.type, target: r.target, state: r.state, attempts: r.attempts, error: r.error };
    if (r.state === 'failed') o.log.warn(fields, 'alert not sent');
    else o.log.info(fields, r.state === 'sent' ? 'alert sent' : 'alert skipped');
  }
  return records;
}
