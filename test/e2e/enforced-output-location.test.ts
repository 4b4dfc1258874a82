import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import type { CliResult } from '../helpers/cli.js';
import { duckRows } from '../helpers/duckdb.js';
import { DENIED, EXCLUDED, expectedAccounts, orgScenario } from '../helpers/org-scenario.js';
import { runInOrgDir } from '../helpers/org-run.js';
import { orgConfigYaml } from '../helpers/pipeline-yaml.js';

/** The workgroup enforces its own output location: the config's outputLocation is overridden. */
const CONFIG = orgConfigYaml(
  `accounts:
  exclude: ["${EXCLUDED}", "${DENIED}"]
queries:
  - { name: via_api, sql: SELECT id FROM inventory, fetch: api }
  - { name: via_s3, sql: SELECT id FROM inventory, fetch: s3 }
  - { name: via_unload, sql: SELECT id FROM inventory, fetch: unload }
sinks:
  - { type: parquet, path: out/{query}.parquet }
`,
  { workgroup: 'governed', outputLocation: 's3://athena-results-<accountId>/fanout/' },
);

describe('a workgroup that enforces its own output location (built CLI)', () => {
  let emulator: RunningEmulator;
  let dir: string;
  let result: CliResult;
  let manifest: Manifest;
  let cleanup: (() => Promise<void>) | undefined;
  const accounts = expectedAccounts();

  beforeAll(async () => {
    const scenario = orgScenario();
    scenario.workgroups = {
      all: [
        {
          name: 'governed',
          outputLocation: 's3://wg-enforced-{accountId}/results/',
          enforce: true,
          encryption: { option: 'SSE_S3' },
        },
      ],
    };
    ({ emulator, dir, result, manifest, cleanup } = await runInOrgDir(CONFIG, {
      scenario,
      prefix: 'fanout-enforced-',
    }));
  });
  afterAll(() => cleanup?.());

  it('runs every query to success, reading the results from where Athena put them', async () => {
    expect(result.code, result.stderr).toBe(0);
    expect(manifest.units.filter((u) => u.state === 'succeeded')).toHaveLength(accounts.length * 3);
    for (const query of ['via_api', 'via_s3', 'via_unload']) {
      const rows = await duckRows(
        `SELECT count(*)::INTEGER AS n FROM read_parquet('${dir}/out/${query}.parquet')`,
      );
      expect(rows[0]!.n, query).toBe(accounts.length * 4);
    }
  });

  it('Athena wrote to the workgroup location, and fetch: s3 read the CSV from there, not the config location', () => {
    for (const q of emulator.record.queries) {
      expect(q.outputLocation).toBe(`s3://wg-enforced-${q.accountId}/results/`);
    }
    const csvReads = emulator.record.calls.filter(
      (c) => c.service === 's3' && c.action === 'GetObject' && String(c.params.Key).endsWith('.csv'),
    );
    expect(csvReads.length).toBeGreaterThanOrEqual(accounts.length);
    for (const c of csvReads) expect(String(c.params.Bucket)).toMatch(/^wg-enforced-\d{12}$/);
    for (const account of accounts) {
      expect(emulator.s3.keys(`athena-results-${account}`)).toEqual([]);
    }
  });

  it('fetch: unload puts its Parquet parts beside the results the workgroup enforces', () => {
    const unloads = emulator.record.queries.filter((q) => q.sql.startsWith('UNLOAD'));
    expect(unloads).toHaveLength(accounts.length);
    for (const q of unloads) expect(q.sql).toContain(`TO 's3://wg-enforced-${q.accountId}/results/`);
  });
});
