import { kmsKeyArn, partitionOf } from './iam/arn.js';
import { toXml } from './protocol.js';
import { S3_NS } from './s3-list.js';
import type { ObjectEncryption } from './s3-sse.js';
import type { Scenario } from './scenario.js';

/** A scenario bucket with its templates instantiated and its default KMS key resolved to a key ARN. */
export interface BucketConfig {
  name: string;
  owner: string;
  region: string;
  encryption?: { algorithm: ObjectEncryption['algorithm']; kmsKeyId?: string; bucketKeyEnabled: boolean };
}

/** `{accountId}` buckets once per organization account; the rest as written (owner: management). */
export function bucketConfigs(scenario: Scenario): Map<string, BucketConfig> {
  const out = new Map<string, BucketConfig>();
  for (const b of scenario.buckets) {
    const templated = b.name.includes('{accountId}');
    const accounts = templated
      ? scenario.accounts.map((a) => a.id)
      : [b.owner ?? scenario.organization.managementAccountId];
    for (const account of accounts) {
      const owner = templated ? (b.owner ?? account) : account;
      const name = b.name.replaceAll('{accountId}', account);
      const e = b.encryption;
      const kms = e !== undefined && e.algorithm !== 'AES256';
      const keyId = (e?.kmsKeyId ?? 'alias/aws/s3').replaceAll('{accountId}', account);
      out.set(name, {
        name,
        owner,
        region: b.region,
        ...(e === undefined
          ? {}
          : {
              encryption: {
                algorithm: e.algorithm,
                // An alias in a bucket's default encryption resolves in the bucket owner's account.
                ...(kms ? { kmsKeyId: kmsKeyArn(keyId, b.region, owner) } : {}),
                bucketKeyEnabled: kms && e.bucketKeyEnabled,
              },
            }),
      });
    }
  }
  return out;
}

/** GetBucketLocation: the region, except us-east-1, which S3 reports as an empty constraint. */
export function locationXml(region: string): string {
  return region === 'us-east-1'
    ? `<LocationConstraint xmlns="${S3_NS}"/>`
    : `<LocationConstraint xmlns="${S3_NS}">${region}</LocationConstraint>`;
}

/**
 * GetBucketEncryption: every bucket has a default since January 2023 (SSE-S3 unless configured), so
 * ServerSideEncryptionConfigurationNotFoundError no longer happens.
 */
export function encryptionXml(config: BucketConfig | undefined): string {
  const e = config?.encryption;
  const rule = {
    ApplyServerSideEncryptionByDefault: {
      SSEAlgorithm: e?.algorithm ?? 'AES256',
      KMSMasterKeyID: e?.kmsKeyId,
    },
    BucketKeyEnabled: e?.bucketKeyEnabled ?? false,
  };
  return `<ServerSideEncryptionConfiguration xmlns="${S3_NS}">${toXml({ Rule: rule })}</ServerSideEncryptionConfiguration>`;
}

/** The bucket's ARN in the partition of the request's region. */
export const bucketArn = (bucket: string, region: string | undefined): string =>
  `arn:${partitionOf(region)}:s3:::${bucket}`;
