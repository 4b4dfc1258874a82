import type { ScenarioInput } from '@athena-fanout/emulator';

/**
 * A test organization for end-to-end runs: a management account, ACTIVE members in two OUs, one
 * SUSPENDED, one excluded by config, one whose AthenaReader role refuses AssumeRole. Every account's
 * `inventory` table holds the same three hard rows plus one carrying the account's own id, so the
 * expected output is known exactly.
 */
export const MANAGEMENT = '111111111111';
export const SUSPENDED = '200000000013';
export const EXCLUDED = '200000000014';
export const DENIED = '200000000015';
export const EXTERNAL_ID = 'ext-e2e-9f3c';
export const MEMBERS = Array.from({ length: 12 }, (_, i) => `2000000000${String(i + 1).padStart(2, '0')}`);

/** The rows every account's table holds, as DuckDB would print them with ::VARCHAR. */
export const HARD_ROWS = [
  {
    id: '9007199254740993',
    name: 'héllo, "world"\nline2\r\nline3',
    cost: '12345678901234567890123456789.123456789',
    seen: '2024-06-24 09:30:51.123',
    day: '2024-06-24',
    ratio: '1.5',
    active: 'true',
    note: '',
  },
  {
    id: '-9223372036854775808',
    name: null,
    cost: '-0.000000001',
    seen: null,
    day: '1969-12-31',
    ratio: null,
    active: 'false',
    note: null,
  },
  {
    id: '9223372036854775807',
    name: "emoji 🎉; -- not a comment, 'quoted'",
    cost: '0.000000000',
    seen: '1970-01-01 00:00:00',
    day: '2262-04-11',
    ratio: '-2.25e-07',
    active: null,
    note: ',',
  },
] as const;

const DATA_SQL = [
  'CREATE SCHEMA inventory',
  `CREATE TABLE inventory.inventory (id BIGINT, name VARCHAR, cost DECIMAL(38,9), seen TIMESTAMP, day DATE,
     ratio DOUBLE, active BOOLEAN, note VARCHAR)`,
  `INSERT INTO inventory.inventory VALUES
     (9007199254740993, 'héllo, "world"' || chr(10) || 'line2' || chr(13) || chr(10) || 'line3',
      12345678901234567890123456789.123456789, TIMESTAMP '2024-06-24 09:30:51.123', DATE '2024-06-24', 1.5, true, ''),
     (-9223372036854775808, NULL, -0.000000001, NULL, DATE '1969-12-31', NULL, false, NULL),
     (9223372036854775807, 'emoji 🎉; -- not a comment, ''quoted''', 0, TIMESTAMP '1970-01-01 00:00:00',
      DATE '2262-04-11', -0.000000225, NULL, ',')`,
  // One row that proves which account's data a query saw.
  `INSERT INTO inventory.inventory VALUES ({accountId}, '{accountName}', 1, NULL, NULL, NULL, NULL, 'own')`,
];

export function orgScenario(
  opts: { deniedAccounts?: string[]; masterExternalId?: string } = {},
): ScenarioInput {
  const accounts: ScenarioInput['accounts'] = [
    { id: MANAGEMENT, name: 'management', email: 'mgmt@example.com', state: 'ACTIVE' as const, ou: 'Root' },
    ...MEMBERS.map((id, i) => ({
      id,
      name: `member-${i + 1}`,
      email: `m${i + 1}@example.com`,
      state: 'ACTIVE' as const,
      ou: i % 2 === 0 ? 'Root/Prod' : 'Root/Dev',
    })),
    { id: SUSPENDED, name: 'closed', email: 'c@example.com', state: 'SUSPENDED' as const, ou: 'Root/Prod' },
    { id: EXCLUDED, name: 'sandbox', email: 's@example.com', state: 'ACTIVE' as const, ou: 'Root/Dev' },
    { id: DENIED, name: 'locked', email: 'l@example.com', state: 'ACTIVE' as const, ou: 'Root/Dev' },
  ];
  return {
    organization: { id: 'o-e2etest0001', managementAccountId: MANAGEMENT },
    accounts,
    identities: [
      {
        accessKeyId: 'AKIAE2EBASE000000001',
        secretAccessKey: 'e2e-base-secret-do-not-log',
        arn: `arn:aws:iam::${MANAGEMENT}:user/ci`,
      },
    ],
    roles: [
      {
        arn: `arn:aws:iam::${MANAGEMENT}:role/OrgHub`,
        trust: [`arn:aws:iam::${MANAGEMENT}:user/ci`],
        externalId: opts.masterExternalId ?? EXTERNAL_ID,
      },
      {
        arn: `arn:aws:iam::${MANAGEMENT}:role/OrgReader`,
        trust: [`arn:aws:iam::${MANAGEMENT}:role/OrgHub`],
        externalId: EXTERNAL_ID,
      },
      {
        arn: 'arn:aws:iam::<accountId>:role/AthenaReader',
        trust: [`arn:aws:iam::${MANAGEMENT}:role/OrgReader`, `arn:aws:iam::${MANAGEMENT}:user/ci`],
        externalId: EXTERNAL_ID,
        deny: opts.deniedAccounts ?? [DENIED],
      },
    ],
    data: { all: DATA_SQL },
    knobs: { queryLatencyMs: 50 },
  };
}

/** Accounts whose rows must be in the merged output. */
export function expectedAccounts(denied: string[] = [DENIED]): string[] {
  return [MANAGEMENT, ...MEMBERS, EXCLUDED, DENIED].filter((id) => id !== EXCLUDED && !denied.includes(id));
}

/**
 * The `auth:` block of an end-to-end config for orgScenario(): OrgHub → OrgReader as the master chain,
 * then each account's AthenaReader. `externalId` defaults to the `${FANOUT_EXTERNAL_ID}` reference.
 */
export function orgAuthYaml(
  opts: { chainFrom?: 'base' | 'master'; externalId?: string; sessionName?: string } = {},
): string {
  return `auth:
  externalId: ${opts.externalId ?? '${FANOUT_EXTERNAL_ID}'}
${opts.sessionName ? `  sessionName: ${opts.sessionName}\n` : ''}  masterRoleChain:
    - arn:aws:iam::${MANAGEMENT}:role/OrgHub
    - arn:aws:iam::${MANAGEMENT}:role/OrgReader
  accountRoleChain:
    - arn:aws:iam::<accountId>:role/AthenaReader
  accountChainFrom: ${opts.chainFrom ?? 'master'}
`;
}
