import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import { emulatorEnv, runCli } from '../helpers/cli.js';
import { emulatorDir } from '../helpers/org-run.js';
import { EXTERNAL_ID } from '../helpers/org-scenario.js';

const VALID = `version: 1
region: eu-west-1
auth:
  externalId: \${FANOUT_EXTERNAL_ID}
  masterRoleChain:
    - arn:aws:iam::111111111111:role/OrgHub
  accountRoleChain:
    - arn:aws:iam::<accountId>:role/AthenaReader
accounts:
  source: organization
  exclude: ["222222222222"]
athena:
  workgroup: primary
  database: inventory
  outputLocation: s3://athena-results-<accountId>/fanout/
concurrency:
  queries: 4
  perAccount: 2
queries:
  - name: inventory
    sql: SELECT * FROM inventory
sinks:
  - { type: parquet, path: out/{query}.parquet }
manifest: out/manifest.json
`;

/** Each case: how to break the valid config, and what the message must name. */
const CASES: { name: string; yaml: string; names: RegExp[] }[] = [
  {
    name: 'missing queries',
    yaml: VALID.replace(/queries:\n {2}- name: inventory\n {4}sql: .*\n/, ''),
    names: [/queries/],
  },
  {
    name: 'bad role ARN',
    yaml: VALID.replace('arn:aws:iam::111111111111:role/OrgHub', 'arn:aws:iam::1111:role/OrgHub'),
    names: [/auth\.masterRoleChain\.0/],
  },
  { name: 'unknown top-level key', yaml: `${VALID}retries: 3\n`, names: [/retries/] },
  {
    name: 'unknown nested key',
    yaml: VALID.replace('  workgroup: primary', '  workgroup: primary\n  wrokgroup: typo'),
    names: [/wrokgroup/],
  },
  {
    name: 'account chain without <accountId>',
    yaml: VALID.replace(
      'arn:aws:iam::<accountId>:role/AthenaReader',
      'arn:aws:iam::333333333333:role/AthenaReader',
    ),
    names: [/auth\.accountRoleChain/, /accountId/],
  },
  {
    name: 'negative concurrency',
    yaml: VALID.replace('queries: 4', 'queries: -4'),
    names: [/concurrency\.queries/],
  },
  {
    name: 'unset environment variable',
    yaml: VALID.replace('${FANOUT_EXTERNAL_ID}', '${FANOUT_MISSING_VAR}'),
    names: [/FANOUT_MISSING_VAR/, /auth\.externalId/],
  },
  {
    name: 'account id as a YAML number',
    yaml: VALID.replace('["222222222222"]', '[222222222222]'),
    names: [/accounts\.exclude\.0/],
  },
  { name: 'wrong version', yaml: VALID.replace('version: 1', 'version: 7'), names: [/version/] },
  {
    name: 'bad session name',
    yaml: VALID.replace('  masterRoleChain:', '  sessionName: "has spaces!"\n  masterRoleChain:'),
    names: [/sessionName/],
  },
  {
    name: 'bad output location',
    yaml: VALID.replace('s3://athena-results-<accountId>/fanout/', 'athena-results/fanout'),
    names: [/athena\.outputLocation/],
  },
  {
    name: 'broken YAML',
    yaml: VALID.replace('  perAccount: 2', ' perAccount: [2'),
    names: [/line \d+|:\d+:\d+/],
  },
];

describe('malformed configs are refused before any AWS call', () => {
  let emulator: RunningEmulator;
  let dir: string;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ emulator, dir, cleanup } = await emulatorDir({ prefix: 'fanout-config-' }));
  });
  afterAll(() => cleanup?.());

  it.each(CASES)('$name: exit 2 with a message naming the field', async ({ name, yaml, names }) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    await writeFile(file, yaml);
    const result = await runCli(['run', '--config', file], {
      env: emulatorEnv(emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID }),
    });
    expect(result.code, result.stdout + result.stderr).toBe(2);
    for (const re of names) expect(result.stderr).toMatch(re);
    expect(result.stderr).toContain(file);
    expect(emulator.record.calls).toHaveLength(0);
  });

  it('the valid config passes `validate` without calling AWS', async () => {
    const file = join(dir, 'valid.yaml');
    await writeFile(file, VALID);
    const result = await runCli(['validate', '--config', file], {
      env: emulatorEnv(emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID }),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(emulator.record.calls).toHaveLength(0);
  });

  it('a missing --config file is a usage error naming the file', async () => {
    const result = await runCli(['run', '--config', join(dir, 'nope.yaml')], {
      env: emulatorEnv(emulator),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nope.yaml');
  });

  it('an unknown command or option is a usage error', async () => {
    expect((await runCli(['frobnicate'], { env: emulatorEnv(emulator) })).code).toBe(2);
    expect((await runCli(['run', '--bogus'], { env: emulatorEnv(emulator) })).code).toBe(2);
  });
});
