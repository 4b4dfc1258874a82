import { describe, expect, it } from 'vitest';
import { FanoutError } from '../../../src/errors.js';
import { executeQuery } from '../../../src/extract/index.js';
import { type FakeReply, fakeAthena } from '../fake-athena.js';

const fast = { initialDelayMs: 0, maxDelayMs: 0, factor: 1 };
const spec = {
  queryName: 'inventory',
  sql: 'SELECT 1',
  workgroup: 'primary',
  catalog: 'AwsDataCatalog',
  database: 'inventory',
  outputLocation: 's3://results-222222222222/athena-fanout/',
  clientRequestToken: 'run-1-222222222222-inventory-attempt-1-xxxxxxxx',
};

/** Athena whose GetQueryExecution walks through `states`, then repeats the last one. */
function athenaWith(states: object[], start?: () => FakeReply, onPoll?: (n: number) => void) {
  let polls = 0;
  return fakeAthena((action) => {
    switch (action) {
      case 'StartQueryExecution':
        return start ? start() : { body: { QueryExecutionId: 'qe-42' } };
      case 'GetQueryExecution': {
        onPoll?.(polls + 1);
        const status = states[Math.min(polls++, states.length - 1)]!;
        return 'error' in status
          ? (status as FakeReply)
          : {
              body: {
                QueryExecution: {
                  QueryExecutionId: 'qe-42',
                  Status: status,
                  ResultConfiguration: {
                    OutputLocation: 's3://results-222222222222/athena-fanout/qe-42.csv',
                  },
                  Statistics: {
                    DataScannedInBytes: 10485760,
                    EngineExecutionTimeInMillis: 1200,
                    QueryQueueTimeInMillis: 30,
                    QueryPlanningTimeInMillis: 40,
                    ServiceProcessingTimeInMillis: 12,
                    TotalExecutionTimeInMillis: 1242,
                  },
                },
              },
            };
      }
      case 'StopQueryExecution':
        return { body: {} };
      default:
        return { error: 'InvalidRequestException', message: `unexpected ${action}` };
    }
  });
}

async function failure(p: Promise<unknown>): Promise<FanoutError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FanoutError);
  return err as FanoutError;
}

describe('executeQuery', () => {
  it('starts with the spec, polls through QUEUED/RUNNING and returns statistics', async () => {
    const { client, calls } = athenaWith([{ State: 'QUEUED' }, { State: 'RUNNING' }, { State: 'SUCCEEDED' }]);
    const started: string[] = [];
    const res = await executeQuery(client, spec, { poll: fast, onStarted: (id) => started.push(id) });
    expect(started).toEqual(['qe-42']);
    expect(res).toEqual({
      queryExecutionId: 'qe-42',
      outputLocation: 's3://results-222222222222/athena-fanout/qe-42.csv',
      stats: {
        dataScannedInBytes: 10485760,
        engineExecutionTimeInMillis: 1200,
        queryQueueTimeInMillis: 30,
        queryPlanningTimeInMillis: 40,
        serviceProcessingTimeInMillis: 12,
        totalExecutionTimeInMillis: 1242,
      },
    });
    expect(calls.map((c) => c.action)).toEqual([
      'StartQueryExecution',
      'GetQueryExecution',
      'GetQueryExecution',
      'GetQueryExecution',
    ]);
    expect(calls[0]!.input).toEqual({
      QueryString: 'SELECT 1',
      WorkGroup: 'primary',
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'inventory' },
      ResultConfiguration: { OutputLocation: 's3://results-222222222222/athena-fanout/' },
      ClientRequestToken: spec.clientRequestToken,
    });
    expect(calls[1]!.input).toEqual({ QueryExecutionId: 'qe-42' });
  });

  it('reports FAILED with Athena reason and category; USER errors are not retryable', async () => {
    const { client } = athenaWith([
      {
        State: 'FAILED',
        StateChangeReason: "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.inventory.nope' does not exist",
        AthenaError: { ErrorCategory: 2, ErrorType: 1006, Retryable: false, ErrorMessage: 'TABLE_NOT_FOUND' },
      },
    ]);
    const err = await failure(executeQuery(client, spec, { poll: fast }));
    expect(err.message).toMatch(/inventory FAILED \(execution qe-42\): TABLE_NOT_FOUND/);
    expect(err.retryable).toBe(false);
    expect(err.context).toMatchObject({
      stage: 'query',
      queryName: 'inventory',
      queryExecutionId: 'qe-42',
      awsMessage: "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.inventory.nope' does not exist",
      athenaErrorCategory: 2,
      athenaErrorType: 1006,
    });
  });

  it('marks SYSTEM failures and Retryable errors as retryable', async () => {
    const system = athenaWith([
      { State: 'FAILED', StateChangeReason: 'internal', AthenaError: { ErrorCategory: 1 } },
    ]);
    expect((await failure(executeQuery(system.client, spec, { poll: fast }))).retryable).toBe(true);
    const flagged = athenaWith([
      { State: 'FAILED', StateChangeReason: 'x', AthenaError: { ErrorCategory: 3, Retryable: true } },
    ]);
    expect((await failure(executeQuery(flagged.client, spec, { poll: fast }))).retryable).toBe(true);
  });

  it('reports a query CANCELLED by someone else', async () => {
    const { client } = athenaWith([
      { State: 'RUNNING' },
      { State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' },
    ]);
    const err = await failure(executeQuery(client, spec, { poll: fast }));
    expect(err.message).toMatch(/CANCELLED.*Query cancelled by user/);
    expect(err.context.state).toBe('CANCELLED');
  });

  it('passes StartQueryExecution API errors through with AWS code and message', async () => {
    const { client } = athenaWith([], () => ({
      error: 'InvalidRequestException',
      message: 'line 1:8: mismatched input',
      extra: { AthenaErrorCode: 'MALFORMED_QUERY' },
    }));
    const err = await failure(executeQuery(client, spec, { poll: fast }));
    expect(err.retryable).toBe(false);
    expect(err.context).toMatchObject({
      stage: 'query',
      queryName: 'inventory',
      awsCode: 'InvalidRequestException',
      awsMessage: 'line 1:8: mismatched input',
      athenaErrorCode: 'MALFORMED_QUERY',
      requestId: 'req-1',
    });
  });

  it('gives up on the concurrent query limit only once its wait is over, naming the reason', async () => {
    const { client } = athenaWith([], () => ({
      error: 'TooManyRequestsException',
      message: 'You have exceeded the limit for the number of queries you can run concurrently.',
      extra: { Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' },
    }));
    const err = await failure(executeQuery(client, spec, { poll: fast, quotaWaitMs: 0 }));
    expect(err.retryable).toBe(true);
    expect(err.context).toMatchObject({
      awsCode: 'TooManyRequestsException',
      awsReason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED',
    });
  });

  it('keeps polling through throttled GetQueryExecution calls', async () => {
    const throttled = { error: 'ThrottlingException', message: 'Rate exceeded' };
    const { client, calls } = athenaWith([throttled, throttled, { State: 'SUCCEEDED' }]);
    const res = await executeQuery(client, spec, { poll: fast });
    expect(res.queryExecutionId).toBe('qe-42');
    expect(calls.filter((c) => c.action === 'GetQueryExecution')).toHaveLength(3);
  });

  it('stops the query and reports it when polling fails for good', async () => {
    const { client, calls } = athenaWith([{ error: 'AccessDeniedException', message: 'not allowed' }]);
    const err = await failure(executeQuery(client, spec, { poll: fast }));
    expect(err.context).toMatchObject({ awsCode: 'AccessDeniedException', queryExecutionId: 'qe-42' });
    expect(calls.at(-1)).toEqual({ action: 'StopQueryExecution', input: { QueryExecutionId: 'qe-42' } });
  });

  it('on abort stops the running query, then throws a cancelled error', async () => {
    const ac = new AbortController();
    // The second poll aborts the run (as Ctrl-C would) while the query is still RUNNING.
    const { client, calls } = athenaWith([{ State: 'RUNNING' }], undefined, (n) => {
      if (n === 2) ac.abort();
    });
    const err = await failure(executeQuery(client, spec, { signal: ac.signal, poll: fast }));
    expect(err.context).toMatchObject({ stage: 'query', cancelled: true, queryExecutionId: 'qe-42' });
    expect(calls.map((c) => c.action)).toEqual([
      'StartQueryExecution',
      'GetQueryExecution',
      'GetQueryExecution',
      'StopQueryExecution',
    ]);
    expect(calls.at(-1)!.input).toEqual({ QueryExecutionId: 'qe-42' });
  });

  it('does not start anything when already aborted', async () => {
    const { client, calls } = athenaWith([{ State: 'SUCCEEDED' }]);
    const err = await failure(executeQuery(client, spec, { signal: AbortSignal.abort(), poll: fast }));
    expect(err.context.cancelled).toBe(true);
    expect(calls).toEqual([]);
  });
});
