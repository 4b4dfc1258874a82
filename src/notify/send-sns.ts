import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { awsClientConfig, type CredentialProvider } from '../aws/index.js';
import { DeliveryError } from './delivery-error.js';

/** SNS takes at most 256 KiB per message; a little is kept for the request's other parameters. */
export const SNS_MAX_MESSAGE_BYTES = 262_144 - 1024;

/** Errors another attempt cannot fix: the topic, the caller's rights, the message. */
const PERMANENT = new Set([
  'AuthorizationError',
  'NotFound',
  'InvalidParameter',
  'InvalidParameterValue',
  'ValidationError',
  'KMSAccessDenied',
  'KMSDisabled',
  'KMSNotFound',
  'InvalidSecurity',
]);

/** SNS subjects: one line of printable ASCII, at most 100 characters. */
export function snsSubject(text: string): string {
  return text.replace(/[^ -~]/g, '?').slice(0, 100);
}

/** Publishes with the run's base credentials in the topic's region; returns the MessageId. */
export async function publishSns(
  target: { topicArn: string; region: string },
  message: { subject: string; body: string },
  credentials: CredentialProvider | undefined,
  signal: AbortSignal,
): Promise<string> {
  const client = new SNSClient({
    ...awsClientConfig('sns', { region: target.region, ...(credentials ? { credentials } : {}) }),
    maxAttempts: 1,
  });
  try {
    const out = await client.send(
      new PublishCommand({ TopicArn: target.topicArn, Subject: message.subject, Message: message.body }),
      { abortSignal: signal },
    );
    return out.MessageId ?? '';
  } catch (err) {
    if (signal.aborted) throw new DeliveryError('timed out', true);
    const e = err as { name?: string; message?: string; Code?: string };
    const code = e.Code ?? (e.name ?? 'Error').replace(/Exception$/, '');
    throw new DeliveryError(`${code}: ${e.message ?? String(err)}`, !PERMANENT.has(code), { awsCode: code });
  } finally {
    client.destroy();
  }
}
