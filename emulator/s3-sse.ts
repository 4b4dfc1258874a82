import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from './protocol.js';

/** The server-side encryption an object was stored with, as S3 reports it on HeadObject/GetObject. */
export interface ObjectEncryption {
  /** `AES256` when the writer asked for nothing: S3 encrypts every new object with SSE-S3 since 2023. */
  algorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  kmsKeyId?: string;
  bucketKeyEnabled?: boolean;
  /** The x-amz-server-side-encryption* headers the write request carried, verbatim (empty: none). */
  requested: Record<string, string>;
}

const SSE = 'x-amz-server-side-encryption';
const KEY = 'x-amz-server-side-encryption-aws-kms-key-id';
const BUCKET_KEY = 'x-amz-server-side-encryption-bucket-key-enabled';
const ALGORITHMS = new Set(['AES256', 'aws:kms', 'aws:kms:dsse']);

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * The encryption a PutObject or CreateMultipartUpload asks for, checked as S3 checks it: an unknown
 * algorithm, or a KMS key id or bucket key without `aws:kms`, is InvalidArgument.
 */
export function encryptionFromHeaders(
  h: IncomingHttpHeaders,
  region: string,
  account: string,
): ObjectEncryption {
  const requested: Record<string, string> = {};
  for (const name of [SSE, KEY, BUCKET_KEY]) {
    const v = header(h, name);
    if (v !== undefined) requested[name] = v;
  }
  const algorithm = requested[SSE] ?? 'AES256';
  if (!ALGORITHMS.has(algorithm)) {
    throw new ApiError('InvalidArgument', 'The encryption method specified is not supported', 400, {
      ArgumentName: SSE,
      ArgumentValue: algorithm,
    });
  }
  const kms = algorithm.startsWith('aws:kms');
  if (!kms && (requested[KEY] !== undefined || requested[BUCKET_KEY] !== undefined)) {
    throw new ApiError(
      'InvalidArgument',
      'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
      400,
    );
  }
  return {
    algorithm: algorithm as ObjectEncryption['algorithm'],
    // Without a key id S3 uses the account's AWS managed key for S3.
    ...(kms ? { kmsKeyId: requested[KEY] ?? `arn:aws:kms:${region}:${account}:alias/aws/s3` } : {}),
    ...(kms && requested[BUCKET_KEY] === 'true' ? { bucketKeyEnabled: true } : {}),
    requested,
  };
}

/** The response headers S3 sends for an object's encryption (HeadObject, GetObject, writes). */
export function encryptionHeaders(e: ObjectEncryption): Record<string, string> {
  return {
    [SSE]: e.algorithm,
    ...(e.kmsKeyId === undefined ? {} : { [KEY]: e.kmsKeyId }),
    ...(e.bucketKeyEnabled ? { [BUCKET_KEY]: 'true' } : {}),
  };
}

/** The SSE request headers as SDK-style parameter names, for the call record. */
export function encryptionParams(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  const sse = header(h, SSE);
  const key = header(h, KEY);
  const bucketKey = header(h, BUCKET_KEY);
  if (sse !== undefined) out.ServerSideEncryption = sse;
  if (key !== undefined) out.SSEKMSKeyId = key;
  if (bucketKey !== undefined) out.BucketKeyEnabled = bucketKey;
  return out;
}
