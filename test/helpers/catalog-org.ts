import type { ScenarioInput } from '@athena-fanout/emulator';
import { smallScenario } from './small-org.js';

/** The KMS keys of catalogScenario(), `{accountId}` left for the emulator to fill. */
export const LAKE_KEY = 'arn:aws:kms:us-east-1:{accountId}:key/lake';
export const RESULTS_KEY = 'arn:aws:kms:us-east-1:{accountId}:key/results';

/**
 * The small organization with what only the catalogs know: `inventory.inventory` in every account at
 * s3://lake-{accountId}/inventory/ (SSE-KMS with LAKE_KEY, the bucket's default); in 222222222222 also
 * `events`, one of whose partitions lives in the archive bucket, and `governed`, registered with Lake
 * Formation and granted to AthenaReader; a LAMBDA catalog `dynamo`; the `analytics` workgroup encrypting
 * results with RESULTS_KEY.
 */
export function catalogOrgScenario(): ScenarioInput {
  const base = smallScenario({ queryLatencyMs: 5 });
  return {
    ...base,
    data: {
      ...base.data,
      '222222222222': [
        ...(base.data?.['222222222222'] ?? []),
        `CREATE TABLE inventory.events AS SELECT i::BIGINT AS id, (i % 2)::VARCHAR AS day FROM range(4) t(i)`,
        `CREATE TABLE inventory.governed AS SELECT 'secret' AS s`,
      ],
    },
    catalog: {
      all: [
        {
          name: 'inventory',
          tables: [{ name: 'inventory', location: 's3://lake-{accountId}/inventory/', kmsKeyArn: LAKE_KEY }],
        },
      ],
      '222222222222': [
        {
          name: 'inventory',
          tables: [
            { name: 'inventory', location: 's3://lake-{accountId}/inventory/', kmsKeyArn: LAKE_KEY },
            {
              name: 'events',
              location: 's3://lake-{accountId}/events',
              partitionKeys: ['day'],
              partitions: [
                { values: ['0'], location: 's3://lake-{accountId}/events/day=0/' },
                { values: ['1'], location: 's3://archive-{accountId}/events/day=1/' },
              ],
            },
            {
              name: 'governed',
              location: 's3://lake-{accountId}/governed/',
              lakeFormation: { grants: ['arn:aws:iam::{accountId}:role/AthenaReader'] },
            },
          ],
        },
      ],
    },
    dataCatalogs: {
      '222222222222': [
        { name: 'dynamo', type: 'LAMBDA', function: 'arn:aws:lambda:us-east-1:{accountId}:function:ddb' },
      ],
    },
    workgroups: {
      all: [{ name: 'analytics', encryption: { option: 'SSE_KMS', kmsKey: RESULTS_KEY } }],
    },
    buckets: [{ name: 'lake-{accountId}', encryption: { algorithm: 'aws:kms', kmsKeyId: LAKE_KEY } }],
  };
}
