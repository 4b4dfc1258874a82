import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import { executeQuery, openQueryResults, unloadStatement } from '../../../src/extract/index.js';
import { smallScenario } from '../../helpers/small-org.js';
import { type EmulatorClients, startWithClients } from '../../helpers/emulator-clients.js';

const ACCOUNT = '111111111111';
const BUCKET = `athena-results-${ACCOUNT}`;
let clients: EmulatorClients | undefined;

// S3 refuses the first batch delete: the data was read, so the unit keeps it and says what is left.
beforeAll(async () => {
  clients = await startWithClients(
    smallScenario({
      queryLatencyMs: 10,
      unloadPartRows: 4,
      primaryOutputLocation: 's3://athena-results-{accountId}/primary/',
      failS3: [
        { action: 'DeleteObjects', code: 'AccessDenied', message: 'Access Denied', status: 403, times: 1 },
      ],
    }),
  );
});

afterAll(() => clients?.close());

async function unloadAndRead(prefix: string): Promise<{ rows: number; cleanup: string[] }> {
  const { athena, s3 } = clients!;
  const executed = await executeQuery(
    athena,
    {
      queryName: 'q',
      sql: unloadStatement('SELECT i FROM range(10) t(i)', prefix, 'q'),
      workgroup: 'primary',
    },
    { poll: { initialDelayMs: 10, maxDelayMs: 50, factor: 2 } },
  );
  const cleanup: string[] = [];
  const stream = await openQueryResults(athena, executed, {
    fetch: 'unload',
    s3,
    context: { accountId: ACCOUNT, queryName: 'q' },
    unload: { prefix, onCleanupFailed: (reason) => cleanup.push(reason) },
  });
  let rows = 0;
  for await (const b of stream.batches) rows += b.numRows;
  return { rows, cleanup };
}

function keysUnder(emu: RunningEmulator, prefix: string): string[] {
  return emu.s3.keys(BUCKET).filter((k) => k.startsWith(prefix));
}

describe('fetch: unload cleanup', () => {
  it('a refused delete is reported with S3’s code, the rows are kept, and the next unit cleans up', async () => {
    const refused = await unloadAndRead(`s3://${BUCKET}/unload/refused/`);
    expect(refused.rows).toBe(10);
    expect(refused.cleanup).toHaveLength(1);
    expect(refused.cleanup[0]).toMatch(
      /^\d+ UNLOAD file\(s\) not deleted, e\.g\. s3:\/\/athena-results-111111111111\/\S+ \(AccessDenied\)$/,
    );
    expect(keysUnder(clients!.emu, 'unload/refused/').length).toBeGreaterThan(1);

    const next = await unloadAndRead(`s3://${BUCKET}/unload/next/`);
    expect(next).toEqual({ rows: 10, cleanup: [] });
    expect(keysUnder(clients!.emu, 'unload/next/')).toEqual([]);
  });
});
