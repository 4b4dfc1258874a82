import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { ScenarioInput } from '../index.js';

export const BASE = { accessKeyId: 'AKIAEMULATORBASE0001', secretAccessKey: 'emulator-secret' };
export const EXT = 'ext-123';

/** A small organization: management, two members (one suspended), a hub role and per-account readers. */
export function smallScenario(knobs: ScenarioInput['knobs'] = {}): ScenarioInput {
  return {
    organization: { id: 'o-exampleorg01', managementAccountId: '111111111111' },
    accounts: [
      {
        id: '111111111111',
        name: 'management',
        email: 'mgmt@example.com',
        ou: 'Root',
        tags: { env: 'shared' },
      },
      {
        id: '222222222222',
        name: 'web-prod',
        email: 'web@example.com',
        ou: 'Root/Prod',
        tags: { env: 'prod' },
      },
      { id: '333333333333', name: 'data-dev', email: 'dev@example.com', ou: 'Root/Dev' },
      { id: '444444444444', name: 'old', email: 'old@example.com', state: 'SUSPENDED', ou: 'Root/Prod' },
      { id: '555555555555', name: 'locked', email: 'locked@example.com', ou: 'Root/Dev' },
    ],
    identities: [{ ...BASE, arn: 'arn:aws:iam::111111111111:user/ci' }],
    roles: [
      {
        arn: 'arn:aws:iam::111111111111:role/OrgHub',
        trust: ['arn:aws:iam::111111111111:user/ci'],
        externalId: EXT,
        maxSessionDuration: 43200,
      },
      {
        arn: 'arn:aws:iam::111111111111:role/OrgReader',
        trust: ['arn:aws:iam::111111111111:role/OrgHub'],
        permissions: ['organizations'],
      },
      {
        arn: 'arn:aws:iam::<accountId>:role/AthenaReader',
        trust: ['arn:aws:iam::111111111111:role/OrgHub'],
        externalId: EXT,
        deny: ['555555555555'],
      },
    ],
    data: {
      all: [
        'CREATE SCHEMA inventory',
        `CREATE TABLE inventory.inventory AS SELECT '{accountId}' AS owner, '{accountName}' AS name, i::BIGINT AS id FROM range(3) t(i)`,
      ],
      '222222222222': [
        `CREATE TABLE inventory.hard AS SELECT * FROM (VALUES
          (1, 9007199254740993::BIGINT, 12345678901234567890.123456789::DECIMAL(38,9), 'a "quoted", value', TIMESTAMP '2024-06-24 09:30:51.123456', DATE '2024-06-24', 1.5::DOUBLE, true),
          (2, -1::BIGINT, 0.5::DECIMAL(38,9), '', TIMESTAMP '1999-12-31 23:59:59', DATE '1999-12-31', 1e20::DOUBLE, false),
          (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
          (4, 0::BIGINT, -0.000000001::DECIMAL(38,9), E'line1\\nline2 ünïcødé 🚀', TIMESTAMP '2024-01-01 00:00:00', DATE '2024-01-01', 0.1::DOUBLE, true)
        ) t(n, big, dec, txt, ts, d, dbl, flag)`,
      ],
    },
    knobs: { queryLatencyMs: 30, ...knobs },
  };
}

/** Credentials of AthenaReader in `accountId`, reached through OrgHub like the real pipeline. */
export function readerCredentials(endpoint: string, accountId: string): AwsCredentialIdentityProvider {
  const clientConfig = { endpoint, region: 'us-east-1' };
  const hub = fromTemporaryCredentials({
    clientConfig,
    masterCredentials: BASE,
    params: { RoleArn: 'arn:aws:iam::111111111111:role/OrgHub', RoleSessionName: 'hub', ExternalId: EXT },
  });
  return fromTemporaryCredentials({
    clientConfig,
    masterCredentials: hub,
    params: {
      RoleArn: `arn:aws:iam::${accountId}:role/AthenaReader`,
      RoleSessionName: 'reader',
      ExternalId: EXT,
    },
  });
}
