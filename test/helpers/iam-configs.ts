import { parse } from 'yaml';
import { parseConfig, type PipelineConfig } from '../../src/config/index.js';
import { iamPolicies, type PolicyDocument } from '../../src/plan/index.js';
import type { IamPolicies } from '../../src/plan/iam-policy/iam-policies.js';

export function loadConfig(yaml: string): PipelineConfig {
  const result = parseConfig(parse(yaml), { env: {}, baseDir: '/base' });
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
  return result.config;
}

const SINKS = `sinks:\n  - { type: parquet, path: '{query}.parquet' }\n`;

/** Configs whose policies cover the shapes the deployable formats must render. */
export const IAM_CONFIGS = {
  /** Master chain (one role under a path) in the management account, account chain from it. */
  masterChain: `version: 1
region: eu-west-1
regions: [eu-west-1, us-east-1]
auth:
  externalId: ext-7
  masterRoleChain:
    - arn:aws:iam::111111111111:role/OrgHub
    - arn: arn:aws:iam::111111111111:role/ops/OrgReader
      externalId: reader-ext
  accountRoleChain:
    - arn:aws:iam::<accountId>:role/AthenaReader
  accountChainFrom: master
accounts:
  tags: { env: prod }
athena:
  workgroup: analytics
  database: inventory
  outputLocation: s3://results-<accountId>/<region>/fanout/
queries:
  - { name: inventory, sql: SELECT 1 }
  - { name: costs, sql: SELECT 2, regions: [ap-south-1], database: billing, workgroup: finance, outputLocation: 's3://finance-results/athena/', encryption: SSE_KMS, kmsKey: 1234abcd-12ab-34cd-56ef-1234567890ab }
${SINKS}`,
  /** No master chain, base account unknown: the base identity's own queries and its trust are inputs. */
  unknownBase: `version: 1
region: eu-west-1
auth: { accountRoleChain: ['arn:aws:iam::<accountId>:role/AthenaReader'] }
athena: { workgroup: analytics, outputLocation: 's3://results-<accountId>/fanout/' }
queries: [{ name: q, sql: SELECT 1 }]
${SINKS}`,
  /** Two template hops (the second trusts the first in the same account), session tags, China partition. */
  twoHopsChina: `version: 1
region: cn-north-1
auth:
  credentials: { mfa: { serialNumber: 'arn:aws-cn:iam::999999999999:mfa/ops' } }
  accountRoleChain:
    - arn:aws-cn:iam::<accountId>:role/Entry
    - { arn: 'arn:aws-cn:iam::<accountId>:role/data/Reader', tags: { team: data } }
accounts: { source: list, ids: ['222222222222'] }
athena: { workgroup: primary, outputLocation: 's3://athena-<accountId>-cn/out/' }
queries: [{ name: q, sql: SELECT 1 }]
${SINKS}`,
} as const;

export const policiesOf = (yaml: string, basePrincipal?: string): IamPolicies =>
  iamPolicies(loadConfig(yaml), basePrincipal ? { basePrincipal } : {});

/** A member account and base account the tests deploy to. */
export const MEMBER = '222222222222';
export const BASE = '999999999999';

/** The documents a role's permissions are deployed as: split ones when the model has them. */
export const expectedDocuments = (model: {
  permissionPolicy: PolicyDocument;
  permissionPolicies?: PolicyDocument[];
}): PolicyDocument[] => model.permissionPolicies ?? [model.permissionPolicy];

/** The JSON output's placeholders filled as a deployment fills them. */
export function filled<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value).replaceAll('<accountId>', MEMBER).replaceAll('<baseAccountId>', BASE),
  ) as T;
}
