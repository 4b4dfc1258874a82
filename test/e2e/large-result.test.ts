import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import { POOL_MIN_BYTES } from '../../src/extract/index.js';
import type { Manifest } from '../../src/manifest.js';
import type { CliResult } from '../helpers/cli.js';
import { compareParquetFiles, duckRows } from '../helpers/duckdb.js';
import { MEMBERS } from '../helpers/org-scenario.js';
import { runInOrgDir } from '../helpers/org-run.js';
import { orgConfigYaml } from '../helpers/pipeline-yaml.js';

const ROWS = 60_000;
// ~600 bytes a row: a 36 MB result file, above the 32 MiB from which the run's decoding pool reads it.
const SQL = `SELECT i::BIGINT AS id,
    repeat(chr(65 + (i % 26)::INTEGER), 560) || ' é€ "q", ' || chr(10) || i::VARCHAR AS txt,
    CASE WHEN i % 7 = 0 THEN NULL ELSE i * 0.25 END AS amount,
    DATE '2024-01-01' + (i % 400)::INTEGER AS day
  FROM range(${ROWS}) t(i)`;

const CONFIG = orgConfigYaml(`accounts:
  include: ["${MEMBERS[0]}"]
queries:
  - { name: big_api, sql: ${JSON.stringify(SQL)}, fetch: api }
  - { name: big_s3, sql: ${JSON.stringify(SQL)}, fetch: s3 }
sinks:
  - { type: parquet, path: out/{query}.parquet }
`);

describe('a large result read from S3 on the run’s decoding workers (built CLI)', () => {
  let emulator: RunningEmulator;
  let dir: string;
  let result: CliResult;
  let manifest: Manifest;
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ emulator, dir, result, manifest, cleanup } = await runInOrgDir(CONFIG, {
      prefix: 'fanout-large-',
      spill: true,
    }));
  });
  afterAll(() => cleanup?.());

  it('writes the same rows as the API path, in result order, and exits', async () => {
    expect(result.code, result.stderr).toBe(0);
    expect(manifest.units.map((u) => [u.query, u.fetch, u.state]).sort()).toEqual([
      ['big_api', 'api', 'succeeded'],
      ['big_s3', 's3', 'succeeded'],
    ]);
    // The premise: the file read is above the size from which the pool decodes it.
    const s3Unit = manifest.units.find((u) => u.query === 'big_s3')!;
    const csv = emulator.s3.get(
      `athena-results-${MEMBERS[0]}`,
      `fanout/${s3Unit.queryExecutionIds.at(-1)}.csv`,
    );
    expect(csv?.length).toBeGreaterThanOrEqual(POOL_MIN_BYTES);
    const { rowsB, differing } = await compareParquetFiles(
      join(dir, 'out/big_api.parquet'),
      join(dir, 'out/big_s3.parquet'),
      'account_id, id, txt, amount, day',
    );
    expect(rowsB).toBe(ROWS);
    expect(differing).toBe(0);
    // Pieces decoded in parallel, batches written in file order: row k of the file is id k.
    const misplaced = await duckRows(
      `SELECT count(*)::INTEGER AS n FROM read_parquet('${join(dir, 'out/big_s3.parquet')}', file_row_number = true)
       WHERE id <> file_row_number`,
    );
    expect(misplaced[0]!.n).toBe(0);
  });
});
