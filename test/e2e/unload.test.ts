import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC, Type } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import type { CliResult } from '../helpers/cli.js';
import { compareParquetFiles, duckRows } from '../helpers/duckdb.js';
import { EXCLUDED, expectedAccounts, MANAGEMENT } from '../helpers/org-scenario.js';
import { runInOrgDir } from '../helpers/org-run.js';
import { orgConfigYaml } from '../helpers/pipeline-yaml.js';

/** The same SELECT through GetQueryResults and through UNLOAD; a nested one; a statement UNLOAD cannot wrap. */
const CONFIG = orgConfigYaml(`accounts:
  exclude: ["${EXCLUDED}"]
queries:
  - { name: via_api, sql: SELECT * FROM inventory, fetch: api }
  - { name: via_unload, sql: SELECT * FROM inventory, fetch: unload }
  - name: nested
    fetch: unload
    unload: { location: 's3://unload-<accountId>/<region>/' }
    sql: "SELECT id, [id, 7] AS ids, {'n': name, 'd': day} AS r, MAP {'k': note} AS m FROM inventory WHERE note = 'own'"
  - { name: not_select, sql: SHOW TABLES, fetch: unload }
sinks:
  - { type: parquet, path: out/{query}.parquet }
  - { type: arrow, path: out/{query}.arrow }
`);

describe('fetch: unload (built CLI)', () => {
  let emulator: RunningEmulator;
  let dir: string;
  let result: CliResult;
  let manifest: Manifest;
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ emulator, dir, result, manifest, cleanup } = await runInOrgDir(CONFIG, { prefix: 'fanout-unload-' }));
  });
  afterAll(() => cleanup?.());

  it('reads through UNLOAD and records it; a statement that is not a SELECT fails its units clearly', () => {
    expect(result.code, result.stderr).toBe(1);
    const units = (query: string) => manifest.units.filter((u) => u.query === query);
    for (const q of ['via_unload', 'nested']) {
      const ok = units(q).filter((u) => u.state === 'succeeded');
      expect(ok.map((u) => u.accountId).sort()).toEqual([...expectedAccounts()].sort());
      expect(ok.every((u) => u.fetch === 'unload' && u.unloadCleanup === undefined)).toBe(true);
    }
    const refused = units('not_select');
    expect(refused.every((u) => u.state === 'failed' && u.queryExecutionIds.length === 0)).toBe(true);
    expect(refused[0]!.error!.message).toBe(
      'Query not_select: fetch: unload needs a single SELECT query to wrap in UNLOAD; it starts with "SHOW"',
    );
  });

  it('writes the same rows as the API path (DuckDB symmetric difference is empty)', async () => {
    const { rowsB, differing } = await compareParquetFiles(
      join(dir, 'out/via_api.parquet'),
      join(dir, 'out/via_unload.parquet'),
      'account_id, id, name, cost, seen, day, ratio, active, note',
    );
    expect(rowsB).toBe(expectedAccounts().length * 4);
    expect(differing).toBe(0);
  });

  it('keeps arrays, rows and maps nested in the Parquet output', async () => {
    const file = join(dir, 'out/nested.parquet');
    const rows = await duckRows(
      `SELECT ids[1] = id AS first, ids[2] AS second, r.n AS n, r.d IS NULL AS no_day, m['k'] AS k
       FROM read_parquet('${file}') WHERE account_id = '${MANAGEMENT}'`,
    );
    expect(rows).toEqual([{ first: true, second: 7n, n: 'management', no_day: true, k: 'own' }]);
    const arrow = tableFromIPC(await readFile(join(dir, 'out/nested.arrow')));
    expect(['ids', 'r', 'm'].map((name) => arrow.schema.fields.find((f) => f.name === name)?.typeId)).toEqual(
      [Type.List, Type.Struct, Type.Map],
    );
  });

  it('leaves no UNLOAD parts, manifests or metadata behind', () => {
    for (const account of expectedAccounts()) {
      const results = emulator.s3.keys(`athena-results-${account}`);
      expect(results.filter((k) => k.includes('athena-fanout-unload/'))).toEqual([]);
      expect(
        results.filter((k) => /-manifest\.csv$|\.metadata$/.test(k) && !k.endsWith('.csv.metadata')),
      ).toEqual([]);
      expect(emulator.s3.keys(`unload-${account}`)).toEqual([]);
    }
  });
});
