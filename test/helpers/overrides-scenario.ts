import type { ScenarioInput } from '@athena-fanout/emulator';

/**
 * A three-account organization whose accounts differ: the web account keeps its orders in its own
 * database (`sales_web`, named by its `athena-db` tag), the others in `shop`. Each `orders` table
 * holds one row carrying its account id and which database it is, so the output proves which
 * database every account's query read. Partition `aws` unless told (`aws-cn`: every ARN in it).
 */
export const MGMT = '111111111111';
export const WEB = '222222222222';
export const DEV = '333333333333';

export function overridesScenario(partition = 'aws'): ScenarioInput {
  return {
    organization: { id: 'o-overrides01', managementAccountId: MGMT },
    accounts: [
      { id: MGMT, name: 'management', email: 'm@example.com', ou: 'Root' },
      {
        id: WEB,
        name: 'web-prod',
        email: 'w@example.com',
        ou: 'Root/Prod/Web',
        tags: { env: 'prod', 'athena-db': 'sales_web' },
      },
      { id: DEV, name: 'data-dev', email: 'd@example.com', ou: 'Root/Dev', tags: { env: 'dev' } },
    ],
    identities: [
      {
        accessKeyId: 'AKIAOVERRIDESBASE001',
        secretAccessKey: 'overrides-base-secret',
        arn: `arn:${partition}:iam::${MGMT}:user/ci`,
      },
    ],
    roles: [
      {
        arn: `arn:${partition}:iam::${MGMT}:role/OrgReader`,
        trust: [`arn:${partition}:iam::${MGMT}:user/ci`],
      },
      {
        arn: `arn:${partition}:iam::<accountId>:role/AthenaReader`,
        trust: [`arn:${partition}:iam::${MGMT}:role/OrgReader`],
      },
    ],
    data: {
      all: [
        'CREATE SCHEMA shop',
        `CREATE TABLE shop.orders AS SELECT '{accountId}' AS owner, 'shop' AS db, 1::BIGINT AS n`,
      ],
      [WEB]: [
        'CREATE SCHEMA sales_web',
        `CREATE TABLE sales_web.orders AS SELECT '{accountId}' AS owner, 'sales_web' AS db, 20::BIGINT AS n`,
      ],
    },
    // Glue knows the tables too, as plan --check-access looks each one up.
    catalog: {
      all: [{ name: 'shop', tables: [{ name: 'orders', location: 's3://lake-{accountId}/shop/orders/' }] }],
      [WEB]: [
        { name: 'shop', tables: [{ name: 'orders', location: 's3://lake-{accountId}/shop/orders/' }] },
        {
          name: 'sales_web',
          tables: [{ name: 'orders', location: 's3://lake-{accountId}/sales_web/orders/' }],
        },
      ],
    },
    knobs: { queryLatencyMs: 30 },
  };
}

/** The config's top for overridesScenario(): region, auth (OrgReader, then each AthenaReader), athena. */
export function overridesConfigTop(region = 'eu-west-1', partition = 'aws'): string {
  return `version: 1
region: ${region}
auth:
  masterRoleChain: [arn:${partition}:iam::${MGMT}:role/OrgReader]
  accountRoleChain: [arn:${partition}:iam::<accountId>:role/AthenaReader]
  accountChainFrom: master
  managementAccountChain: account
athena:
  database: shop
  outputLocation: s3://athena-results-<accountId>/fanout/
manifest: out/manifest.json
`;
}
