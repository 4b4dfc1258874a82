import { sortedUnique, type PolicyStatement } from './policy-document.js';
import type { BucketPrefixes } from './query-resources.js';

const byName = (buckets: BucketPrefixes) => [...buckets].sort(([a], [b]) => a.localeCompare(b));
const bucketArn = (partition: string, bucket: string) => `arn:${partition}:s3:::${bucket}`;
const objectArns = (partition: string, bucket: string, prefixes: Set<string>) =>
  sortedUnique([...prefixes].map((p) => `${bucketArn(partition, bucket)}/${p}*`));

/**
 * ListBucket on `bucket`, kept to `prefixes` by an `s3:prefix` condition, which only ListBucket requests
 * carry; a prefix of the whole bucket needs none (a listing from the top may send no prefix at all).
 */
function listBucket(sid: string, partition: string, bucket: string, prefixes: Set<string>): PolicyStatement {
  const whole = prefixes.has('');
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: ['s3:ListBucket'],
    Resource: [bucketArn(partition, bucket)],
    ...(whole
      ? {}
      : { Condition: { StringLike: { 's3:prefix': sortedUnique([...prefixes].map((p) => `${p}*`)) } } }),
  };
}

/** Listing, reading and writing the results prefixes, one pair of statements per bucket. */
export function resultsBucketStatements(buckets: BucketPrefixes, partition: string): PolicyStatement[] {
  return byName(buckets).flatMap(([bucket, prefixes], i) => [
    listBucket(`AthenaResultsBucket${i + 1}`, partition, bucket, prefixes),
    {
      Sid: `AthenaResultsObjects${i + 1}`,
      Effect: 'Allow' as const,
      Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
      Resource: objectArns(partition, bucket, prefixes),
    },
  ]);
}

/** Athena reads table data with the caller's permissions: list and read each location. */
export function tableDataStatements(data: BucketPrefixes, partition: string): PolicyStatement[] {
  return byName(data).flatMap(([bucket, prefixes], i) => [
    listBucket(`TableDataBucket${i + 1}`, partition, bucket, prefixes),
    {
      Sid: `TableDataObjects${i + 1}`,
      Effect: 'Allow' as const,
      Action: ['s3:GetObject'],
      Resource: objectArns(partition, bucket, prefixes),
    },
  ]);
}

/**
 * GetBucketLocation on every bucket, in a statement of its own: its requests carry no `s3:prefix`, so
 * beside ListBucket's prefix condition it would never be allowed. Athena calls it on the output bucket.
 */
export function bucketLocationStatement(buckets: BucketPrefixes[], partition: string): PolicyStatement[] {
  const names = sortedUnique(buckets.flatMap((b) => [...b.keys()]));
  if (names.length === 0) return [];
  return [
    {
      Sid: 'S3BucketLocation',
      Effect: 'Allow',
      Action: ['s3:GetBucketLocation'],
      Resource: names.map((b) => bucketArn(partition, b)),
    },
  ];
}

/** Deleting what fetch: unload leaves behind, when not kept; none when nothing is deleted. */
export function unloadCleanupStatements(deletes: BucketPrefixes, partition: string): PolicyStatement[] {
  const deletable = [...deletes].flatMap(([bucket, prefixes]) => objectArns(partition, bucket, prefixes));
  if (deletable.length === 0) return [];
  return [
    { Sid: 'UnloadCleanup', Effect: 'Allow', Action: ['s3:DeleteObject'], Resource: sortedUnique(deletable) },
  ];
}
