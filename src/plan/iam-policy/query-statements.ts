import type { QueryConfig } from '../../config/index.js';
import { sortedUnique, type PolicyStatement } from './policy-document.js';
import { queryResources, type QueryResources } from './query-resources.js';
import { resultsBucketStatements, unloadCleanupStatements } from './s3-statements.js';

const ATHENA_ACTIONS = [
  'athena:BatchGetQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  'athena:GetWorkGroup',
  'athena:StartQueryExecution',
  'athena:StopQueryExecution',
];
const GLUE_READS = [
  'glue:BatchGetPartition',
  'glue:GetDatabase',
  'glue:GetDatabases',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:GetTable',
  'glue:GetTables',
];

/**
 * What running `queries` in `account` needs: Athena on the workgroups, Glue reads on the catalog and
 * databases (or the other data catalogs), the results' KMS key, S3 on the output locations.
 */
export function queryStatements(
  queries: QueryConfig[],
  partition: string,
  account: string,
): PolicyStatement[] {
  const found = queryResources(queries, partition, account);
  return [
    ...catalogStatements(found),
    ...resultsBucketStatements(found.buckets, partition),
    ...unloadCleanupStatements(found.deletes, partition),
  ];
}

function catalogStatements(found: QueryResources): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    {
      Sid: 'AthenaWorkgroups',
      Effect: 'Allow',
      Action: ATHENA_ACTIONS,
      Resource: sortedUnique(found.workgroups),
    },
  ];
  if (found.dataCatalogs.length > 0) {
    statements.push({
      Sid: 'AthenaDataCatalogs',
      Effect: 'Allow',
      Action: ['athena:GetDataCatalog'],
      Resource: sortedUnique(found.dataCatalogs),
    });
  }
  if (found.glue.length > 0) {
    statements.push({
      Sid: 'GlueCatalogReads',
      Effect: 'Allow',
      Action: GLUE_READS,
      Resource: sortedUnique(found.glue),
    });
  }
  if (found.kmsKeys.length > 0) {
    // Athena encrypts results with the caller's KMS permissions, and reading them back decrypts.
    statements.push({
      Sid: 'ResultsKmsKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: sortedUnique(found.kmsKeys),
    });
  }
  return statements;
}
