import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { awsErrorInfo, FanoutError } from '../errors.js';
import { parseS3Target } from './s3-upload.js';

/** A small object's text (a manifest); undefined when there is no such object. */
export async function readS3Text(s3: S3Client, url: string): Promise<string | undefined> {
  const { bucket, key } = parseS3Target(url);
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body!.transformToString('utf8');
  } catch (err) {
    const info = awsErrorInfo(err);
    if (info.httpStatus === 404 || info.code === 'NoSuchKey' || info.code === 'NotFound') return undefined;
    throw new FanoutError(`reading ${url} failed: ${info.code}: ${info.message}`, {
      cause: err,
      retryable: info.retryable,
      context: { stage: 'manifest', path: url, awsCode: info.code, awsMessage: info.message },
    });
  }
}
