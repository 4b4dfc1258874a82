import { createReadStream } from 'node:fs';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { awsErrorInfo, FanoutError } from '../errors.js';

export interface S3UploadOptions {
  /** ServerSideEncryption: `aws:kms` (with kmsKeyId, else the bucket's AWS managed key) or `AES256`. */
  sse?: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  /** S3 Bucket Key for SSE-KMS: fewer KMS requests (and charges) per object. */
  bucketKey?: boolean;
}

/** The request parameters for `opts`; a KMS key id or bucket key implies `aws:kms`. */
function sseParams(opts: S3UploadOptions) {
  const kms = opts.kmsKeyId !== undefined || opts.bucketKey === true;
  return {
    ...(opts.sse ? { ServerSideEncryption: opts.sse } : {}),
    ...(kms ? { ServerSideEncryption: 'aws:kms' as const } : {}),
    ...(opts.kmsKeyId ? { SSEKMSKeyId: opts.kmsKeyId } : {}),
    ...(opts.bucketKey ? { BucketKeyEnabled: true } : {}),
  };
}

function uploadError(url: string, err: unknown, verb = 'uploading'): FanoutError {
  const info = awsErrorInfo(err);
  return new FanoutError(`${verb} ${url} failed: ${info.code}: ${info.message}`, {
    cause: err,
    retryable: info.retryable,
    context: { stage: 'sink', path: url, awsCode: info.code, awsMessage: info.message },
  });
}

export function parseS3Target(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new FanoutError(`Not an S3 object URL: ${url}`, { context: { stage: 'sink', path: url } });
  return { bucket: m[1]!, key: m[2]! };
}

/**
 * Uploads a complete local file with a multipart upload (lib-storage). The object appears only when
 * CompleteMultipartUpload succeeds, i.e. when every part is in; on any failure the upload is aborted
 * (leavePartsOnError false), so no partial object and no orphaned parts remain.
 */
export async function uploadFileToS3(
  s3: S3Client,
  localPath: string,
  url: string,
  opts: S3UploadOptions = {},
): Promise<void> {
  const { bucket, key } = parseS3Target(url);
  const upload = new Upload({
    client: s3,
    params: {
      Bucket: bucket,
      Key: key,
      Body: createReadStream(localPath),
      ...sseParams(opts),
    },
    partSize: 8 * 1024 * 1024,
    queueSize: 2,
    leavePartsOnError: false,
  });
  try {
    await upload.done();
  } catch (err) {
    throw uploadError(url, err);
  }
}

/** A small object in one PutObject (a marker, a manifest), with the same encryption options. */
export async function putS3Object(
  s3: S3Client,
  url: string,
  body: string,
  contentType: string,
  opts: S3UploadOptions = {},
): Promise<void> {
  const { bucket, key } = parseS3Target(url);
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ...sseParams(opts),
      }),
    );
  } catch (err) {
    throw uploadError(url, err);
  }
}

export async function s3ObjectExists(s3: S3Client, url: string): Promise<boolean> {
  const { bucket, key } = parseS3Target(url);
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    const info = awsErrorInfo(err);
    if (info.httpStatus === 404 || info.code === 'NotFound' || info.code === 'NoSuchKey') return false;
    throw new FanoutError(`checking ${url} failed: ${info.code}: ${info.message}`, {
      cause: err,
      context: { stage: 'sink', path: url, awsCode: info.code },
    });
  }
}
