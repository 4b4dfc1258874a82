import {
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { ScenarioInput } from '../index.js';
import { BASE, EXT, smallScenario } from './fixture.js';

export const KEY_222 = 'arn:aws:kms:us-east-1:222222222222:key/0b9f1c55-data';

/**
 * smallScenario with a Glue catalog: `inventory.inventory` in every account (its data in
 * s3://lake-{accountId}/inventory/), and in 222222222222 a partitioned, KMS-encrypted `hard` whose
 * second partition lives in another bucket, plus a Lake Formation table `governed` granted to
 * AthenaReader only; `scratch` is a DuckDB table the catalog does not list. Roles: AthenaReader (all
 * allowed), NoGlue, NoS3, NoKms, NoLf (all but that service) and NoArchive (every service, but S3
 * denied on the archive-* buckets: meaningful only with the IAM policy evaluator).
 */
export function catalogScenario(extra: Partial<ScenarioInput> = {}, knobs: ScenarioInput['knobs'] = {}) {
  const base = smallScenario(knobs);
  // Each restricted role says the same twice: as the coarse `permissions` service list, and as IAM
  // `policies` for the IAM policy evaluator (roles' `policies`; a scenario without the evaluator drops
  // them), so the denials hold with and without it.
  const reader = (name: string, services: string[], deny: object[] = []) => ({
    arn: `arn:aws:iam::<accountId>:role/${name}`,
    trust: ['arn:aws:iam::111111111111:role/OrgHub'],
    externalId: EXT,
    permissions: services as NonNullable<ScenarioInput['roles']>[number]['permissions'],
    policies: [
      {
        name: 'services',
        document: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: services.map((s) => `${s}:*`), Resource: '*' }, ...deny],
        },
      },
    ],
  });
  const all = ['athena', 'glue', 's3', 'kms', 'lakeformation'];
  return {
    ...base,
    roles: [
      ...(base.roles ?? []),
      reader('NoGlue', ['athena', 's3', 'kms', 'lakeformation']),
      reader('NoS3', ['athena', 'glue', 'kms', 'lakeformation']),
      reader('NoKms', ['athena', 'glue', 's3', 'lakeformation']),
      reader('NoLf', ['athena', 'glue', 's3', 'kms']),
      // Only the IAM policy evaluator can refuse one bucket and not another.
      reader('NoArchive', all, [
        { Effect: 'Deny', Action: 's3:*', Resource: ['arn:aws:s3:::archive-*', 'arn:aws:s3:::archive-*/*'] },
      ]),
    ],
    data: {
      ...base.data,
      '222222222222': [
        ...(base.data?.['222222222222'] ?? []),
        `CREATE TABLE inventory.governed AS SELECT 'secret' AS s`,
        `CREATE TABLE inventory.scratch AS SELECT 42 AS answer`,
        `CREATE TABLE inventory.events AS SELECT i::BIGINT AS id, (i % 2)::VARCHAR AS day FROM range(4) t(i)`,
      ],
    },
    catalog: {
      all: [
        {
          name: 'inventory',
          description: 'the inventory of {accountName}',
          tables: [{ name: 'inventory', location: 's3://lake-{accountId}/inventory/' }],
        },
      ],
      '222222222222': [
        {
          name: 'inventory',
          tables: [
            { name: 'inventory', location: 's3://lake-{accountId}/inventory/' },
            { name: 'hard', location: 's3://lake-{accountId}/hard', kmsKeyArn: KEY_222 },
            {
              name: 'events',
              location: 's3://lake-{accountId}/events/',
              partitionKeys: ['day'],
              partitions: [
                { values: ['0'], location: 's3://lake-{accountId}/events/day=0/' },
                { values: ['1'], location: 's3://archive-{accountId}/events/day=1/' },
              ],
            },
            {
              name: 'governed',
              location: 's3://lake-{accountId}/governed/',
              lakeFormation: { grants: ['arn:aws:iam::222222222222:role/AthenaReader'] },
            },
          ],
        },
      ],
    },
    ...extra,
  } satisfies ScenarioInput;
}

/** Credentials of `role` in `accountId`, reached through OrgHub like the real pipeline. */
export function roleCredentials(
  endpoint: string,
  accountId: string,
  role: string,
): AwsCredentialIdentityProvider {
  const clientConfig = { endpoint, region: 'us-east-1' };
  const hub = fromTemporaryCredentials({
    clientConfig,
    masterCredentials: BASE,
    params: { RoleArn: 'arn:aws:iam::111111111111:role/OrgHub', RoleSessionName: 'hub', ExternalId: EXT },
  });
  return fromTemporaryCredentials({
    clientConfig,
    masterCredentials: hub,
    params: { RoleArn: `arn:aws:iam::${accountId}:role/${role}`, RoleSessionName: 'fanout', ExternalId: EXT },
  });
}

/** Starts a query and polls it to its final state. */
export async function runQuery(
  client: AthenaClient,
  sql: string,
  opts: { database?: string; workgroup?: string; outputLocation?: string } = {},
): Promise<QueryExecution> {
  const { QueryExecutionId } = await client.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      QueryExecutionContext: { Database: opts.database ?? 'inventory' },
      ...(opts.workgroup === undefined ? {} : { WorkGroup: opts.workgroup }),
      ResultConfiguration: { OutputLocation: opts.outputLocation ?? 's3://results-bucket/athena/' },
    }),
  );
  for (;;) {
    const { QueryExecution: qe } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(qe!.Status!.State!)) return qe!;
    await new Promise((r) => setTimeout(r, 5));
  }
}
