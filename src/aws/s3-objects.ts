import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { awsErrorInfo, FanoutError } from '../errors.js';

function s3Error(what: string, url: string, err: unknown): FanoutError {
  const info = awsErrorInfo(err);
  return new FanoutError(`${what} ${url} failed: ${info.code}: ${info.message}`, {
    cause: err,
    retryable: info.retryable,
    context: { stage: 'sink', path: url, awsCode: info.code, awsMessage: info.message },
  });
}

/** Every object under `prefix`, with its size (all ListObjectsV2 pages). */
export async function listS3Objects(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ key: string; bytes: number }[]> {
  const objects: { key: string; bytes: number }[] = [];
  let token: string | undefined;
  do {
    const page = await s3
      .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
      .catch((err: unknown) => {
        throw s3Error('listing', `s3://${bucket}/${prefix}`, err);
      });
    for (const o of page.Contents ?? []) {
      if (o.Key !== undefined) objects.push({ key: o.Key, bytes: o.Size ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/**
 * Deletes `keys` with DeleteObjects, 1,000 at a time, and returns the keys S3 answered it could not
 * delete, with its code (a refused or failed request is an error).
 */
export async function deleteS3Objects(
  s3: S3Client,
  bucket: string,
  keys: readonly string[],
): Promise<{ key: string; code: string; message: string }[]> {
  const failed: { key: string; code: string; message: string }[] = [];
  for (let i = 0; i < keys.length; i += 1000) {
    const chunk = keys.slice(i, i + 1000);
    const out = await s3
      .send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
        }),
      )
      .catch((err: unknown) => {
        throw s3Error('deleting', `s3://${bucket}/${chunk[0]}`, err);
      });
    for (const e of out.Errors ?? []) {
      failed.push({ key: e.Key ?? '', code: e.Code ?? 'Unknown', message: e.Message ?? '' });
    }
  }
  return failed;
}

/** Deletes `keys` with DeleteObjects, 1,000 at a time; a key S3 could not delete is an error. */
export async function deleteS3Keys(s3: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  const [failed] = await deleteS3Objects(s3, bucket, keys);
  if (failed) {
    throw new FanoutError(`deleting s3://${bucket}/${failed.key} failed: ${failed.code}: ${failed.message}`, {
      context: { stage: 'sink', path: `s3://${bucket}/${failed.key}`, awsCode: failed.code },
    });
  }
}

/** Deletes one key (absent is fine, as in S3). */
export async function deleteS3Key(s3: S3Client, bucket: string, key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch((err: unknown) => {
    throw s3Error('deleting', `s3://${bucket}/${key}`, err);
  });
}
