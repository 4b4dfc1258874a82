import { firstDenied } from '../glue/arns.js';
import { splitS3 } from '../glue/catalog.js';
import type { Principal } from '../identity.js';
import { invalid } from './execution.js';
import type { AthenaErrorShape, ResultEncryption } from './shapes.js';

const s3Arn = (caller: Principal, path: string): string =>
  `arn:${caller.arn.split(':')[1] ?? 'aws'}:s3:::${path}`;

/**
 * StartQueryExecution: Athena looks up the output bucket's region as the caller
 * (s3:GetBucketLocation, a request without s3:prefix) and refuses the query when it may not.
 */
export function checkOutputBucket(caller: Principal, outputPrefix: string): void {
  const { bucket } = splitS3(outputPrefix);
  if (firstDenied(caller, 's3:GetBucketLocation', [s3Arn(caller, bucket)]) !== undefined)
    throw invalid(`Unable to verify/create output bucket ${bucket}`);
}

/**
 * Writing the results as the caller: s3:PutObject on the result object, and for SSE_KMS
 * kms:GenerateDataKey on the key. A refusal fails the query (ErrorType 401, "Failed to write query
 * results to Amazon S3" in Athena's error catalog).
 */
export function resultWriteFailure(
  caller: Principal,
  resultFile: string,
  encryption: ResultEncryption | undefined,
): AthenaErrorShape | undefined {
  const { bucket, prefix } = splitS3(resultFile);
  const key = prefix.replace(/\/$/, '');
  const put = firstDenied(caller, 's3:PutObject', [s3Arn(caller, `${bucket}/${key}`)]);
  const kms =
    encryption?.EncryptionOption === 'SSE_KMS' && encryption.KmsKey !== undefined
      ? firstDenied(caller, 'kms:GenerateDataKey', [encryption.KmsKey])
      : undefined;
  if (put === undefined && kms === undefined) return undefined;
  return {
    ErrorCategory: 2,
    ErrorType: 401,
    Retryable: false,
    ErrorMessage: `Access denied when writing output to url: ${resultFile} . Please ensure you are allowed to access the S3 bucket. If you are encrypting query results with KMS key, please ensure you are allowed to access your KMS key`,
  };
}
