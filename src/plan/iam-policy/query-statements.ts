import { sortedUnique, type PolicyStatement } from './policy-document.js';
import { queryResources, type NoteTopic, type QueryInputs, type QueryResources } from './query-resources.js';
import {
  bucketLocationStatement,
  resultsBucketStatements,
  tableDataStatements,
  unloadCleanupStatements,
} from './s3-statements.js';

const ATHENA_ACTIONS = [
  'athena:BatchGetQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  'athena:GetWorkGroup',
  'athena:StartQueryExecution',
  'athena:StopQueryExecution',
];
/** What Athena's engine calls to plan a query over a table (and its partitions). */
const GLUE_READS = [
  'glue:BatchGetPartition',
  'glue:GetDatabase',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:GetTable',
];

/** Statements, and for some of them (by Sid) what they leave open or why they are wide. */
export interface Permissions {
  statements: PolicyStatement[];
  statementNotes: Record<string, string[]>;
}

const SID_OF: Record<NoteTopic, string> = {
  glue: 'GlueCatalogReads',
  catalogs: 'AthenaDataCatalogs',
  lambda: 'FederatedCatalogConnectors',
  data: 'TableData',
  dataKms: 'TableDataKmsKeys',
  resultsKms: 'ResultsKmsKey',
  lakeFormation: 'LakeFormationDataAccess',
};

/**
 * What running the queries in one account needs: Athena on the workgroups, Glue reads on exactly the
 * tables they read (or the other data catalogs and their connectors), S3 on the results and the tables'
 * data, the KMS keys of both, and Lake Formation's data access for governed tables.
 */
export function queryStatements(inputs: QueryInputs): Permissions {
  const found = queryResources(inputs);
  const statements = [
    ...catalogStatements(found),
    ...kmsStatements(found),
    ...resultsBucketStatements(found.buckets, inputs.partition),
    ...unloadCleanupStatements(found.deletes, inputs.partition),
    ...tableDataStatements(found.data, inputs.partition),
    ...bucketLocationStatement([found.buckets, found.data], inputs.partition),
  ];
  if (found.lakeFormation) {
    statements.push({
      Sid: 'LakeFormationDataAccess',
      Effect: 'Allow',
      Action: ['lakeformation:GetDataAccess'],
      Resource: ['*'],
    });
    found.notes.set(
      'lakeFormation',
      new Set([
        'Resource "*" is the only one IAM accepts for GetDataAccess; the Lake Formation grants printed below decide which tables',
      ]),
    );
  }
  const statementNotes: Record<string, string[]> = {};
  for (const [topic, notes] of found.notes) {
    const sid = SID_OF[topic];
    // Data notes concern every TableData statement; the first one carries them.
    const target = statements.find((s) => s.Sid === sid || s.Sid === `${sid}Bucket1`)?.Sid;
    if (target) statementNotes[target] = [...notes];
  }
  return { statements, statementNotes };
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
  if (found.lambdaFunctions.length > 0) {
    statements.push({
      Sid: 'FederatedCatalogConnectors',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: sortedUnique(found.lambdaFunctions),
    });
  }
  if (found.glue.length > 0) {
    statements.push({
      Sid: 'GlueCatalogReads',
      Effect: 'Allow',
      // A table named per account is found by listing its database.
      Action: sortedUnique([...GLUE_READS, ...(found.glueWildcard ? ['glue:GetTables'] : [])]),
      Resource: sortedUnique(found.glue),
    });
  }
  return statements;
}

function kmsStatements(found: QueryResources): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  if (found.resultsKmsKeys.length > 0) {
    // Athena encrypts results with the caller's KMS permissions, and reading them back decrypts.
    statements.push({
      Sid: 'ResultsKmsKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: sortedUnique(found.resultsKmsKeys),
    });
  }
  if (found.dataKmsKeys.length > 0) {
    statements.push({
      Sid: 'TableDataKmsKeys',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: sortedUnique(found.dataKmsKeys),
    });
  }
  return statements;
}
