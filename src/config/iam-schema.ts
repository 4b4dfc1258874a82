import * as z from 'zod';
import { fillPlaceholders } from './placeholders.js';
import { S3_BUCKET, SAMPLE_ACCOUNT_ID, strict, text } from './schema-parts.js';

// `iam:`: what `athena-fanout iam-policy` cannot read from the rest of the config. Only policies use it.

const KMS_KEY_ARN = /^arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/;

const fill = (value: string) =>
  fillPlaceholders(value, { accountId: SAMPLE_ACCOUNT_ID, region: 'eu-west-1' });

const dataLocation = text((value) => {
  const url = fill(value);
  if (!url.startsWith('s3://')) return 'expected an S3 location like s3://datalake-<accountId>/tables/';
  const bucket = url.slice('s3://'.length).split('/')[0] ?? '';
  if (!S3_BUCKET.test(bucket)) {
    return `"${bucket}" is not a valid S3 bucket name (3-63 characters of lowercase letters, digits, "." and "-")`;
  }
  return undefined;
});

// IAM authorizes kms:Decrypt on the key's ARN, never on an alias or a bare key id.
const kmsKeyArn = text((value) =>
  KMS_KEY_ARN.test(fill(value))
    ? undefined
    : 'expected a KMS key ARN like arn:aws:kms:eu-west-1:<accountId>:key/1234abcd-12ab-34cd-56ef-1234567890ab (IAM matches key ARNs, not aliases)',
);

export const iamSchema = strict({
  /** Where the queried tables' data lives (S3 read is granted there instead of on every bucket). */
  dataLocations: z.array(dataLocation).optional(),
  kmsKeys: strict({
    /** Keys the table data is encrypted with: kms:Decrypt. */
    data: z.array(kmsKeyArn).optional(),
    /** Keys Athena encrypts results with (e.g. the workgroup's): kms:Decrypt and kms:GenerateDataKey. */
    results: z.array(kmsKeyArn).optional(),
  }).optional(),
});
