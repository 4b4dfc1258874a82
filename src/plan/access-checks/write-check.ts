import {
  DeleteObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type CheckResult, failed, failedWith, passed, s3Location } from './check-result.js';

/** The probe's key below the output prefix: a name that says what left it, should it stay. */
export const probeKey = (runId: string) => `.athena-fanout-access-check-${runId}`;

export interface ResultsTarget {
  location: string;
  region: string;
  encryption?: { option: string; kmsKey?: string };
  queries: string[];
  /** Some query deletes what it wrote (fetch: unload without keep), so DeleteObject must be allowed. */
  needsDelete: boolean;
}

/** The headers Athena's own writes carry for the result encryption (client-side KMS carries none). */
function sse(encryption: ResultsTarget['encryption']): Partial<PutObjectCommandInput> {
  if (encryption?.option === 'SSE_S3') return { ServerSideEncryption: 'AES256' };
  if (encryption?.option === 'SSE_KMS') {
    return {
      ServerSideEncryption: 'aws:kms',
      ...(encryption.kmsKey ? { SSEKMSKeyId: encryption.kmsKey } : {}),
    };
  }
  return {};
}

/**
 * Athena writes a query's results with the caller's own permissions: a tiny object is written under the
 * output prefix (encrypted as the results would be) and removed again.
 */
export async function checkResultsWritable(
  s3: S3Client,
  target: ResultsTarget,
  runId: string,
  signal: AbortSignal | undefined,
): Promise<CheckResult> {
  const where = s3Location(target.location);
  const key = `${where?.prefix ?? ''}${probeKey(runId)}`;
  const url = where ? `s3://${where.bucket}/${key}` : target.location;
  const base = {
    check: 'results' as const,
    action: 's3:PutObject',
    resource: url,
    region: target.region,
    queries: target.queries,
  };
  if (!where) return failed(base, 'InvalidOutputLocation', `${target.location} is not an s3:// location`);
  const abort = signal ? { abortSignal: signal } : {};
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: where.bucket,
        Key: key,
        Body: 'written by athena-fanout plan --check-access to prove the results location is writable; safe to delete\n',
        ContentType: 'text/plain',
        ...sse(target.encryption),
      }),
      abort,
    );
  } catch (err) {
    return failedWith(base, err);
  }
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: where.bucket, Key: key }), abort);
    return passed(base);
  } catch (err) {
    const removal = { ...base, action: 's3:DeleteObject' };
    if (target.needsDelete) return failedWith(removal, err);
    // Only fetch: unload deletes what a query wrote: the run does not need this permission.
    const refused = failedWith(removal, err).error!;
    return passed(base, [
      `written, but could not be removed (${refused.code}: ${refused.message}): delete ${url}`,
    ]);
  }
}
