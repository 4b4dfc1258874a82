import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/manifest.js';
import type { CliResult } from '../helpers/cli.js';
import { duckRows } from '../helpers/duckdb.js';
import { MANAGEMENT, MEMBERS, orgScenario } from '../helpers/org-scenario.js';
import { runInOrgDir } from '../helpers/org-run.js';
import { orgConfigYaml } from '../helpers/pipeline-yaml.js';

const OTHER = MEMBERS[0]!;

/**
 * Athena prints timestamp(p) with p fractional digits while its column metadata says `timestamp`
 * (Precision 3 here, as the emulator reports whatever the digits): 0, 3, 6 (the emulator's
 * timestampDigits knob for DuckDB's microsecond TIMESTAMP, as an Iceberg timestamp(6) column) and 9.
 */
const TIMES = `CREATE TABLE inventory.times AS SELECT * FROM (VALUES
  (1, TIMESTAMP_S '2024-06-24 09:30:51', TIMESTAMP_MS '2024-06-24 09:30:51.123',
      TIMESTAMP '2024-06-24 09:30:51.123456', TIMESTAMP_NS '2024-06-24 09:30:51.123456789',
      TIMESTAMPTZ '2024-06-24 09:30:51.654321+00'),
  (2, NULL, NULL, NULL, NULL, NULL),
  (3, TIMESTAMP_S '1969-12-31 23:59:59', TIMESTAMP_MS '1969-12-31 23:59:59.999',
      TIMESTAMP '1969-12-31 23:59:59.999999', TIMESTAMP_NS '1969-12-31 23:59:59.999999999',
      TIMESTAMPTZ '1970-01-01 00:00:00.000001+00')
) t(n, ts0, ts3, ts6, ts9, tsz)`;

const CONFIG = orgConfigYaml(`accounts:
  include: ["${MANAGEMENT}", "${OTHER}"]
queries:
  - { name: via_api, sql: SELECT * FROM times, fetch: api }
  - { name: via_s3, sql: SELECT * FROM times, fetch: s3 }
  - { name: mixed, sql: SELECT * FROM mixed, fetch: s3 }
sinks:
  - { type: parquet, path: out/{query}.parquet }
`);

describe('timestamp units follow the digits the values carry (built CLI, both fetch paths)', () => {
  let dir: string;
  let manifest: Manifest;
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const base = orgScenario();
    let result: CliResult;
    ({ dir, result, manifest, cleanup } = await runInOrgDir(CONFIG, {
      prefix: 'fanout-ts-',
      scenario: {
        ...base,
        data: {
          all: [...base.data!.all!, TIMES],
          // The same column at timestamp(3) in one account and timestamp(9) in the other.
          [MANAGEMENT]: [`CREATE TABLE inventory.mixed AS SELECT TIMESTAMP_MS '2024-01-01 00:00:00.5' AS m`],
          [OTHER]: [
            `CREATE TABLE inventory.mixed AS SELECT TIMESTAMP_NS '2024-01-01 00:00:00.000000001' AS m`,
          ],
        },
        knobs: { ...base.knobs, timestampDigits: 6 },
      },
    }));
    expect(result.code, result.stderr).toBe(0);
  });
  afterAll(() => cleanup?.());

  const units = async (file: string): Promise<Record<string, string>> =>
    Object.fromEntries(
      (await duckRows(`SELECT name, logical_type::VARCHAR AS l FROM parquet_schema('${file}')`))
        .filter((r) => r.l !== null)
        .map((r): [string, string] => [
          String(r.name),
          /(MILLIS|MICROS|NANOS)=\w+\(\)/.exec(String(r.l))?.[1] ?? String(r.l),
        ]),
    );

  for (const query of ['via_api', 'via_s3']) {
    it(`${query}: 0/3 digits → MILLIS, 6 → MICROS, 9 → NANOS, with time zone → MICROS UTC; exact values`, async () => {
      expect(manifest.units.filter((u) => u.query === query).map((u) => u.fetch)).toEqual(
        query === 'via_api' ? ['api', 'api'] : ['s3', 's3'],
      );
      const file = join(dir, `out/${query}.parquet`);
      expect(await units(file)).toMatchObject({
        ts0: 'MILLIS',
        ts3: 'MILLIS',
        ts6: 'MICROS',
        ts9: 'NANOS',
        tsz: 'MICROS',
      });
      const [tz] = await duckRows(
        `SELECT logical_type::VARCHAR AS l FROM parquet_schema('${file}') WHERE name = 'tsz'`,
      );
      expect(String(tz!.l)).toMatch(/isAdjustedToUTC=(1|true)/i);
      const rows = await duckRows(
        `SELECT DISTINCT n::INTEGER AS n, epoch_ms(ts0)::VARCHAR AS ts0, epoch_ms(ts3)::VARCHAR AS ts3,
           epoch_us(ts6)::VARCHAR AS ts6, epoch_ns(ts9)::VARCHAR AS ts9, epoch_us(tsz)::VARCHAR AS tsz
         FROM read_parquet('${file}') ORDER BY n`,
      );
      expect(rows).toEqual([
        {
          n: 1,
          ts0: '1719221451000',
          ts3: '1719221451123',
          ts6: '1719221451123456',
          ts9: '1719221451123456789',
          tsz: '1719221451654321',
        },
        { n: 2, ts0: null, ts3: null, ts6: null, ts9: null, tsz: null },
        { n: 3, ts0: '-1000', ts3: '-1', ts6: '-1', ts9: '-1', tsz: '1' },
      ]);
    });
  }

  it('widens one column to nanoseconds across accounts, scaling the millisecond account exactly', async () => {
    const file = join(dir, 'out/mixed.parquet');
    expect(await units(file)).toMatchObject({ m: 'NANOS' });
    const rows = await duckRows(
      `SELECT account_id, epoch_ns(m)::VARCHAR AS m FROM read_parquet('${file}') ORDER BY account_id`,
    );
    expect(rows).toEqual([
      { account_id: MANAGEMENT, m: '1704067200500000000' },
      { account_id: OTHER, m: '1704067200000000001' },
    ]);
    expect(manifest.warnings).toContainEqual(
      expect.stringMatching(/query mixed: column "m" .* timestamp\[ns\]/),
    );
  });
});
