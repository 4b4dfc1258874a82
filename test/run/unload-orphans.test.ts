import { AthenaClient } from '@aws-sdk/client-athena';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '@athena-fanout/emulator';
import { runUnit } from '../../src/run/index.js';
import { parseConfig, type PipelineConfig } from '../../src/config/index.js';
import { BASE, smallScenario } from '../helpers/small-org.js';

const ACCOUNT = '111111111111';
const BUCKET = `unload-${ACCOUNT}`;
let emu: RunningEmulator;
let athena: AthenaClient;
const saved = process.env.AWS_ENDPOINT_URL;

beforeAll(async () => {
  emu = await startEmulator({
    scenario: smallScenario({
      queryLatencyMs: 5,
      // The first UNLOAD of each marked query fails after writing its parts, retryably.
      failQueries: [
        { match: 'orphan_marker_kept', times: 1, retryable: true, message: 'GENERIC_INTERNAL_ERROR: boom' },
        {
          match: 'orphan_marker_cleaned',
          times: 1,
          retryable: true,
          message: 'GENERIC_INTERNAL_ERROR: boom',
        },
      ],
    }),
  });
  process.env.AWS_ENDPOINT_URL = emu.endpoint;
  athena = new AthenaClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials: BASE });
});
afterAll(async () => {
  if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
  else process.env.AWS_ENDPOINT_URL = saved;
  athena.destroy();
  await emu.close();
});

function query(name: string, keep: boolean): PipelineConfig['queries'][number] {
  const result = parseConfig(
    parse(`version: 1
region: us-east-1
auth: { accountRoleChain: ['arn:aws:iam::<accountId>:role/R'] }
athena: { outputLocation: 's3://results-${ACCOUNT}/out/' }
queries:
  - name: ${name}
    sql: SELECT i AS orphan_marker_${name} FROM range(10) t(i)
    fetch: unload
    unload: { location: 's3://${BUCKET}/', keep: ${keep} }
sinks: [{ type: parquet, path: x.parquet }]
`),
    { env: {} },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config.queries[0]!;
}

const unloadKeys = (name: string): string[] =>
  emu.s3.keys(BUCKET).filter((k) => k.startsWith(`athena-fanout-unload/r1/${name}/`));

describe('fetch: unload in a unit', () => {
  it('a failed UNLOAD attempt leaves parts behind (as Athena does): kept when asked', async () => {
    const { record } = await runUnit(
      athena,
      { id: ACCOUNT, state: 'ACTIVE' },
      query('kept', true),
      new AbortController().signal,
      'us-east-1',
      {
        runId: 'r1',
        retries: 0,
      },
    );
    expect(record.state).toBe('failed');
    expect(record.error?.message).toMatch(/GENERIC_INTERNAL_ERROR: boom/);
    expect(unloadKeys('kept').filter((k) => k.includes(`/us-east-1/1/`)).length).toBeGreaterThan(0);
  });

  it('deletes a failed attempt’s parts, retries into a fresh prefix and deletes those after reading', async () => {
    const { record, data } = await runUnit(
      athena,
      { id: ACCOUNT, state: 'ACTIVE' },
      query('cleaned', false),
      new AbortController().signal,
      'us-east-1',
      { runId: 'r1', retries: 2, retryBaseDelayMs: 1 },
    );
    expect(record.state, JSON.stringify(record.error)).toBe('succeeded');
    expect(record.attempts).toBe(2);
    expect(record.fetch).toBe('unload');
    expect(data?.rows).toBe(10);
    expect(unloadKeys('cleaned')).toEqual([]);
  });
});
