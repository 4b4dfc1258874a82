// "Trust in production": every number bounded, URLs never taken for local paths, run ids that are one
// plain directory name, and no command run from a config the user did not name. Each case runs the
// real CLI; what must be refused is refused with exit 2, the field named, and no AWS call made.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@athena-fanout/emulator';
import { emulatorEnv, runCli } from '../helpers/cli.js';
import { EXCLUDED, EXTERNAL_ID, MANAGEMENT, orgScenario } from '../helpers/org-scenario.js';

const VALID = `version: 1
region: eu-west-1
auth:
  externalId: \${FANOUT_EXTERNAL_ID}
  sessionName: fanout-trust
  masterRoleChain:
    - arn:aws:iam::${MANAGEMENT}:role/OrgHub
    - arn:aws:iam::${MANAGEMENT}:role/OrgReader
  accountRoleChain:
    - arn:aws:iam::<accountId>:role/AthenaReader
  accountChainFrom: master
accounts:
  source: organization
  exclude: ["${EXCLUDED}"]
athena:
  workgroup: primary
  database: inventory
  outputLocation: s3://athena-results-<accountId>/fanout/
queries:
  - name: inventory
    sql: SELECT * FROM inventory
sinks:
  - { type: parquet, path: out/{query}.parquet }
manifest: out/manifest.json
`;

/** `VALID` with `from` replaced, failing if `from` is not there (so no case passes vacuously). */
function edit(from: string, to: string): string {
  expect(VALID).toContain(from);
  return VALID.replace(from, to);
}

let emulator: RunningEmulator;
let root: string;
let dir: string;
let n = 0;
beforeAll(async () => {
  emulator = await startEmulator({ scenario: orgScenario() });
  root = await mkdtemp(join(tmpdir(), 'fanout-trust-'));
});
afterAll(async () => {
  await emulator.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = join(root, `case-${++n}`);
  await mkdir(dir);
});

const env = (extra: Record<string, string> = {}) =>
  emulatorEnv(emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID, HOME: join(root, 'home'), ...extra });

/** Runs the CLI in `dir`; returns its result and how many AWS calls it made. */
async function cli(args: string[], extra: Record<string, string> = {}, cwd = dir) {
  const before = emulator.record.calls.length;
  const result = await runCli(args, { env: env(extra), cwd });
  return { ...result, calls: emulator.record.calls.length - before };
}

async function runWith(yaml: string, args: string[] = []) {
  const file = join(dir, 'pipeline.config.yaml');
  await writeFile(file, yaml);
  return cli(['run', '--config', file, ...args]);
}

describe('every duration is whole seconds within a timer-safe range, checked before any AWS call', () => {
  const CASES = [
    {
      name: 'fractional athena.timeoutSeconds',
      yaml: edit('  workgroup: primary\n', '  workgroup: primary\n  timeoutSeconds: 16.1\n'),
      field: 'athena.timeoutSeconds',
    },
    {
      name: "a query's timeoutSeconds beyond Node's timer limit",
      yaml: edit(
        '    sql: SELECT * FROM inventory\n',
        '    sql: SELECT * FROM inventory\n    timeoutSeconds: 5000000\n',
      ),
      field: 'queries.0.timeoutSeconds',
    },
    {
      name: 'schedule.shutdownDeadlineSeconds beyond a day',
      yaml: `${VALID}schedule: { cron: "0 2 * * *", shutdownDeadlineSeconds: 5000000 }\n`,
      field: 'schedule.shutdownDeadlineSeconds',
    },
    {
      name: 'fractional schedule.shutdownDeadlineSeconds',
      yaml: `${VALID}schedule: { cron: "0 2 * * *", shutdownDeadlineSeconds: 2.5 }\n`,
      field: 'schedule.shutdownDeadlineSeconds',
    },
  ];

  it.each(CASES)('$name: exit 2 naming the field', async ({ yaml, field }) => {
    const result = await runWith(yaml);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`${field.replace(/\./g, '\\.')}: expected whole seconds from 1 to \\d+`),
    );
    expect(result.calls).toBe(0);
  });
});

describe('a value that looks like a URL is never a local path', () => {
  it('manifest: gs://… (or an s3:// URL naming no object) is refused naming the field; no AWS call, no folder', async () => {
    const result = await runWith(
      edit('manifest: out/manifest.json', 'manifest: gs://bucket/x/manifest.json'),
    );
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(
      /manifest: gs:\/\/ is not supported here: the manifest is a local file or an s3:\/\/bucket\/key\.json object/,
    );
    expect(result.calls).toBe(0);
    expect(await readdir(dir)).toEqual(['pipeline.config.yaml']);
    expect(existsSync(join(dir, 'gs:'))).toBe(false);
    const prefix = await runWith(edit('manifest: out/manifest.json', 'manifest: s3://bucket/runs/'));
    expect(prefix.code).toBe(2);
    expect(prefix.stderr).toMatch(/manifest: expected s3:\/\/bucket\/key\.json: the URL names no object/);
    expect(existsSync(join(dir, 's3:'))).toBe(false);
  });

  it('an s3:// sink with an invalid bucket name is refused before any query runs', async () => {
    const result = await runWith(
      edit(
        '{ type: parquet, path: out/{query}.parquet }',
        "{ type: parquet, path: 's3://Fanout_Out/{query}.parquet' }",
      ),
    );
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/sinks\.0\.path: "Fanout_Out" is not a valid S3 bucket name/);
    expect(result.calls).toBe(0);
  });

  it('a sink URL of another scheme (or S3:// in capitals) is refused, not written to a local folder', async () => {
    const result = await runWith(
      edit(
        '  - { type: parquet, path: out/{query}.parquet }\n',
        "  - { type: parquet, path: 'gs://bucket/{query}.parquet' }\n  - { type: arrow, path: 'S3://bucket/{query}.arrow' }\n",
      ),
    );
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/sinks\.0\.path: gs:\/\/ is not supported/);
    expect(result.stderr).toMatch(/sinks\.1\.path: expected s3:\/\/bucket\/key \(lowercase/);
    expect(result.calls).toBe(0);
    expect(await readdir(dir)).toEqual(['pipeline.config.yaml']);
  });
});

describe('run ids are one plain directory name', () => {
  it.each(['..', '.', 'a/b', '../../etc'])('run --run-id %j is refused before any AWS call', async (id) => {
    const result = await runWith(VALID, ['--shard', '0/2', '--run-id', id]);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toContain(`--run-id ${JSON.stringify(id)}`);
    expect(result.calls).toBe(0);
    expect(await readdir(dir)).toEqual(['pipeline.config.yaml']);
  });

  it('ATHENA_FANOUT_RUN_ID=.. is refused naming the variable', async () => {
    const file = join(dir, 'pipeline.config.yaml');
    await writeFile(file, VALID);
    const result = await cli(['run', '--config', file, '--shard', '0/2'], { ATHENA_FANOUT_RUN_ID: '..' });
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toContain('ATHENA_FANOUT_RUN_ID ".."');
    expect(result.calls).toBe(0);
  });

  it.each(['..', 'a/b'])('merge --run %j is refused naming the flag', async (id) => {
    const file = join(dir, 'pipeline.config.yaml');
    await writeFile(file, VALID);
    const result = await cli(['merge', '--run', id, '--config', file]);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toContain(`merge --run ${JSON.stringify(id)}`);
    expect(result.calls).toBe(0);
    expect(await readdir(dir)).toEqual(['pipeline.config.yaml']);
  });
});

describe('config discovery stays inside the repository or the home directory', () => {
  /** A config whose SAML assertion command leaves a marker file when it runs. */
  const executing = (marker: string) =>
    VALID.replace(
      'auth:\n',
      `auth:\n  credentials:\n    saml:\n      roleArn: arn:aws:iam::${MANAGEMENT}:role/CiRole\n      principalArn: arn:aws:iam::${MANAGEMENT}:saml-provider/Okta\n      assertionCommand: touch '${marker}'; echo PHNhbWw+\n`,
    );

  it('a config dropped in a shared parent directory (like /tmp) is never found, so never run', async () => {
    const marker = join(dir, 'command-ran');
    await writeFile(join(dir, 'pipeline.config.yaml'), executing(marker));
    const work = join(dir, 'x');
    await mkdir(work);
    const result = await cli(['run'], {}, work);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toContain(
      `no pipeline.config.yaml, pipeline.config.yml, pipeline.config.json found in ${work} (`,
    );
    expect(existsSync(marker)).toBe(false);
    expect(result.calls).toBe(0);
  });

  it('a discovered config that runs a command is refused, saying why and how; --config runs it', async () => {
    const marker = join(dir, 'command-ran');
    const file = join(dir, 'pipeline.config.yaml');
    await writeFile(file, executing(marker));
    const found = await cli(['run'], {}, dir);
    expect(found.code, found.stdout + found.stderr).toBe(2);
    expect(found.stderr).toMatch(
      /auth\.credentials\.saml\.assertionCommand: runs a command, and this config was found by searching/,
    );
    expect(found.stderr).toContain(`pass --config ${file}`);
    expect(existsSync(marker)).toBe(false);
    expect(found.calls).toBe(0);

    const named = await cli(['run', '--config', file], {}, dir);
    expect(named.code, named.stderr).not.toBe(2);
    expect(existsSync(marker)).toBe(true);
  });

  it('climbs to the repository root (.git) and no further', async () => {
    await writeFile(
      join(dir, 'pipeline.config.yaml'),
      VALID.replace('region: eu-west-1', 'region: us-east-1'),
    );
    const repo = join(dir, 'repo');
    await mkdir(join(repo, '.git'), { recursive: true });
    await mkdir(join(repo, 'a', 'b'), { recursive: true });
    const above = await cli(['validate'], {}, join(repo, 'a', 'b'));
    expect(above.code, above.stderr).toBe(2);
    expect(above.stderr).toContain(`found in ${join(repo, 'a', 'b')}, ${join(repo, 'a')}, ${repo} (`);

    await writeFile(join(repo, 'pipeline.config.yaml'), VALID);
    const inside = await cli(['validate'], {}, join(repo, 'a', 'b'));
    expect(inside.code, inside.stderr).toBe(0);
    expect(inside.stdout).toContain(join(repo, 'pipeline.config.yaml'));
  });

  it('climbs to the home directory and no further', async () => {
    const home = join(dir, 'home');
    await mkdir(join(home, 'work'), { recursive: true });
    await writeFile(join(dir, 'pipeline.config.yaml'), VALID);
    const above = await cli(['validate'], { HOME: home }, join(home, 'work'));
    expect(above.code, above.stderr).toBe(2);
    expect(above.stderr).toContain(`found in ${join(home, 'work')}, ${home} (`);

    await writeFile(join(home, 'pipeline.config.yaml'), VALID);
    const inside = await cli(['validate'], { HOME: home }, join(home, 'work'));
    expect(inside.code, inside.stderr).toBe(0);
  });
});
