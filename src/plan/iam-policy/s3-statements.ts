import { sortedUnique, type PolicyStatement } from './policy-document.js';
import type { BucketPrefixes } from './query-resources.js';

/** Listing, reading and writing the results prefixes, one pair of statements per bucket. */
export function resultsBucketStatements(buckets: BucketPrefixes, partition: string): PolicyStatement[] {
  const byName = [...buckets].sort(([a], [b]) => a.localeCompare(b));
  return byName.flatMap(([bucket, prefixes], i) => [
    {
      Sid: `AthenaResultsBucket${i + 1}`,
      Effect: 'Allow' as const,
      Action: ['s3:GetBucketLocation', 's3:ListBucket'],
      Resource: [`arn:${partition}:s3:::${bucket}`],
      // ListBucket is granted on the bucket, so only a prefix condition keeps it to the results.
      Condition: { StringLike: { 's3:prefix': sortedUnique([...prefixes].map((p) => `${p}*`)) } },
    },
    {
      Sid: `AthenaResultsObjects${i + 1}`,
      Effect: 'Allow' as const,
      Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
      Resource: sortedUnique([...prefixes].map((p) => `arn:${partition}:s3:::${bucket}/${p}*`)),
    },
  ]);
}

/** Deleting what fetch: unload leaves behind, when not kept; none when nothing is deleted. */
export function unloadCleanupStatements(deletes: BucketPrefixes, partition: string): PolicyStatement[] {
  const deletable = [...deletes].flatMap(([bucket, prefixes]) =>
    [...prefixes].map((p) => `arn:${partition}:s3:::${bucket}/${p}*`),
  );
  if (deletable.length === 0) return [];
  return [
    { Sid: 'UnloadCleanup', Effect: 'Allow', Action: ['s3:DeleteObject'], Resource: sortedUnique(deletable) },
  ];
}
