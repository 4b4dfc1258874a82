import { describe, expect, it } from 'vitest';
import { FanoutError } from '../../../src/errors.js';
import { attachQuery, clientRequestToken, executeQuery } from '../../../src/extract/index.js';
import { fakeAthena } from '../fake-athena.js';

const fast = { initialDelayMs: 0, maxDelayMs: 0, factor: 1 };
const spec = { queryName: 'inventory', sql: 'SELECT 1', clientRequestToken: 't'.repeat(64) };

/** Athena whose query keeps RUNNING until stopped. */
function runningAthena() {
  let stopped = false;
  return fakeAthena((action) => {
    switch (action) {
      case 'StartQueryExecution':
        return { body: { QueryExecutionId: 'qe-7' } };
      case 'GetQueryExecution':
        return {
          body: {
            QueryExecution: {
              QueryExecutionId: 'qe-7',
              Status: { State: stopped ? 'CANCELLED' : 'RUNNING' },
            },
          },
        };
      case 'StopQueryExecution':
        stopped = true;
        return { body: {} };
      default:
        return { error: 'InvalidRequestException', message: `unexpected ${action}` };
    }
  });
}

const actions = (calls: { action: string }[]) => calls.map((c) => c.action);

describe('executeQuery never leaves a started query running', () => {
  it('a timeout the timer cannot take (16.1 s, 5000000 s) fails before StartQueryExecution', async () => {
    for (const seconds of [16.1, 5_000_000]) {
      const { client, calls } = runningAthena();
      await expect(executeQuery(client, spec, { poll: fast, timeoutMs: seconds * 1000 })).rejects.toThrow(
        RangeError,
      );
      expect(actions(calls), `timeoutSeconds ${seconds}`).toEqual([]);
    }
  });

  it('stops the query when anything fails after the start (here the onStarted callback)', async () => {
    const { client, calls } = runningAthena();
    const err = await executeQuery(client, spec, {
      poll: fast,
      onStarted: () => {
        throw new Error('journal exploded');
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('journal exploded');
    expect(actions(calls)).toEqual(['StartQueryExecution', 'StopQueryExecution']);
    expect(calls.at(-1)!.input).toEqual({ QueryExecutionId: 'qe-7' });
  });

  it('stops the query when it times out, and gives its slot back', async () => {
    const { client, calls } = runningAthena();
    let held = 0;
    const gate = {
      acquire: () => Promise.resolve(++held > 0),
      release: () => {
        held--;
      },
      increase: () => {},
      decrease: () => {},
    };
    const err = await executeQuery(client, spec, {
      poll: { initialDelayMs: 20, maxDelayMs: 20, factor: 1 },
      timeoutMs: 50,
      gate,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FanoutError);
    expect((err as FanoutError).context).toMatchObject({ timedOut: true, queryExecutionId: 'qe-7' });
    expect(actions(calls).at(-1)).toBe('StopQueryExecution');
    expect(held).toBe(0);
  });

  it('does not stop a query that ended (FAILED) on its own', async () => {
    const { client, calls } = fakeAthena((action) =>
      action === 'StartQueryExecution'
        ? { body: { QueryExecutionId: 'qe-8' } }
        : {
            body: {
              QueryExecution: {
                QueryExecutionId: 'qe-8',
                Status: { State: 'FAILED', StateChangeReason: 'x' },
              },
            },
          },
    );
    await expect(executeQuery(client, spec, { poll: fast })).rejects.toThrow(/FAILED/);
    expect(actions(calls)).toEqual(['StartQueryExecution', 'GetQueryExecution']);
  });
});

describe('attachQuery (a resumed run follows an earlier process’s execution)', () => {
  it('waits for it without starting anything, and stops it on abort', async () => {
    const { client, calls } = runningAthena();
    const ac = new AbortController();
    setTimeout(() => {
      ac.abort();
    }, 30);
    const err = await attachQuery(client, 'qe-7', spec, { poll: fast, signal: ac.signal }).catch(
      (e: unknown) => e,
    );
    expect((err as FanoutError).context).toMatchObject({ cancelled: true, queryExecutionId: 'qe-7' });
    expect(actions(calls)).not.toContain('StartQueryExecution');
    expect(actions(calls).at(-1)).toBe('StopQueryExecution');
  });
});

describe('clientRequestToken nonce', () => {
  it('differs per process nonce, and is stable for one', () => {
    const parts = { runId: 'r', accountId: '111111111111', region: 'eu-west-1', query: 'q', attempt: 1 };
    const a = clientRequestToken({ ...parts, nonce: 'aaaa' });
    expect(clientRequestToken({ ...parts, nonce: 'aaaa' })).toBe(a);
    expect(clientRequestToken({ ...parts, nonce: 'bbbb' })).not.toBe(a);
    expect(clientRequestToken(parts)).not.toBe(a);
  });
});
