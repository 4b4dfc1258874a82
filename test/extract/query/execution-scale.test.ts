import { AthenaClient } from '@aws-sdk/client-athena';
import { describe, expect, it } from 'vitest';
import { FanoutError } from '../../../src/errors.js';
import { clientRequestToken, executeQuery, pollDelay, StatusPoller } from '../../../src/extract/index.js';
import { AimdLimit } from '../../../src/scheduler/index.js';
import { fakeAthena } from '../fake-athena.js';

const spec = { queryName: 'q', sql: 'SELECT 1', workgroup: 'primary' };
const fastPoll = { firstDelayMs: 5, factor: 1, maxDelayMs: 5 };
const quick = { poll: { initialDelayMs: 5, maxDelayMs: 5, factor: 1 } };

const limitError = {
  error: 'TooManyRequestsException',
  message: 'You have exceeded the limit for the number of queries you can run concurrently.',
  extra: { Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' },
};

function execution(id: string, state: string, extra: object = {}) {
  return { QueryExecutionId: id, Status: { State: state }, ...extra };
}

describe('the concurrency quota', () => {
  it('waits and retries a start refused with CONCURRENT_QUERY_LIMIT_EXCEEDED, halving the account limit', async () => {
    let starts = 0;
    const fake = fakeAthena((action) => {
      if (action === 'StartQueryExecution')
        return ++starts <= 2 ? limitError : { body: { QueryExecutionId: 'a' } };
      return { body: { QueryExecution: execution('a', 'SUCCEEDED') } };
    });
    const calls = fake.calls;
    // As run uses it: SDK retries on, so a throttling-classified error would be retried inside send().
    const client = new AthenaClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      maxAttempts: 5,
      retryMode: 'adaptive',
      requestHandler: fake.client.config.requestHandler,
    });
    const gate = new AimdLimit({ max: 8 });
    let refused = 0;
    const res = await executeQuery(client, spec, {
      ...quick,
      gate,
      quotaBackoff: { baseMs: 1, maxMs: 5 },
      onQuotaRefused: () => refused++,
    });
    expect(res.queryExecutionId).toBe('a');
    expect(refused).toBe(2);
    // Two refusals: 8 → 4 → 2; the accepted start does not add a slot yet (it takes 4 successes).
    expect(gate.limit).toBe(2);
    expect(gate.inFlight).toBe(0);
    // Each refusal reached us after one HTTP call: the SDK did not burn its retries on it.
    expect(calls.filter((c) => c.action === 'StartQueryExecution')).toHaveLength(3);
  });

  it('AIMD: adds one slot per run of accepted starts, up to max; queues acquirers beyond the limit', async () => {
    const gate = new AimdLimit({ max: 4, increaseEvery: 2 });
    gate.decrease();
    gate.decrease();
    expect(gate.limit).toBe(1);
    expect(await gate.acquire()).toBe(true);
    let second = false;
    const pending = gate.acquire().then((ok) => (second = ok));
    await Promise.resolve();
    expect(second).toBe(false);
    gate.increase();
    expect(gate.limit).toBe(1);
    gate.increase();
    expect(gate.limit).toBe(2);
    await pending;
    expect(second).toBe(true);
    gate.increase();
    gate.decrease();
    gate.increase();
    expect(gate.limit).toBe(1);
    gate.increase();
    gate.increase();
    gate.increase();
    expect(gate.limit).toBe(3);
    for (let i = 0; i < 10; i++) gate.increase();
    expect(gate.limit).toBe(4);
    const ac = new AbortController();
    gate.release();
    gate.release();
    expect(gate.inFlight).toBe(0);
    ac.abort();
    expect(await gate.acquire(ac.signal)).toBe(false);
  });
});

describe('status checks', () => {
  it('grow with elapsed time: sub-second first, capped, 4 checks cover a 10-second query', () => {
    const delays = [0, 1, 2, 3, 4, 5].map((n) => pollDelay(n));
    expect(delays[0]).toBeLessThan(1000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(5000);
    const times = delays.map((_, i) => delays.slice(0, i + 1).reduce((a, b) => a + b, 0));
    expect(times.filter((t) => t < 10_000).length + 1).toBeLessThanOrEqual(4);
  });

  it('several queries of one account are checked with one BatchGetQueryExecution', async () => {
    const checks = new Map<string, number>();
    const { client, calls } = fakeAthena((action, input) => {
      if (action !== 'BatchGetQueryExecution') return { error: 'InvalidRequestException', message: action };
      const ids = input.QueryExecutionIds as string[];
      return {
        body: {
          QueryExecutions: ids.map((id) => {
            const n = (checks.get(id) ?? 0) + 1;
            checks.set(id, n);
            return execution(id, n >= 2 ? 'SUCCEEDED' : 'RUNNING');
          }),
          UnprocessedQueryExecutionIds: [],
        },
      };
    });
    const poller = new StatusPoller(client, fastPoll);
    const ids = Array.from({ length: 60 }, (_, i) => `q${i}`);
    const done = await Promise.all(ids.map((id) => poller.wait(id)));
    expect(done.map((d) => d.Status?.State)).toEqual(ids.map(() => 'SUCCEEDED'));
    // 60 ids: two calls (50 + 10) per round, two rounds.
    expect(calls.every((c) => c.action === 'BatchGetQueryExecution')).toBe(true);
    expect(calls.every((c) => (c.input.QueryExecutionIds as string[]).length <= 50)).toBe(true);
    expect(calls).toHaveLength(4);
    expect(poller.calls).toBe(4);
  });

  it('an id Athena cannot describe fails only its own waiter', async () => {
    const { client } = fakeAthena(() => ({
      body: {
        QueryExecutions: [execution('good', 'SUCCEEDED')],
        UnprocessedQueryExecutionIds: [
          { QueryExecutionId: 'gone', ErrorCode: 'INVALID_INPUT', ErrorMessage: 'not found' },
        ],
      },
    }));
    const poller = new StatusPoller(client, fastPoll);
    const [good, gone] = await Promise.allSettled([poller.wait('good'), poller.wait('gone')]);
    expect(good.status).toBe('fulfilled');
    expect(gone.status === 'rejected' && String(gone.reason)).toMatch(/gone: INVALID_INPUT: not found/);
  });
});

describe('timeouts and tokens', () => {
  it('timeoutMs stops the query with StopQueryExecution and reports it as timed out', async () => {
    const { client, calls } = fakeAthena((action) =>
      action === 'StartQueryExecution'
        ? { body: { QueryExecutionId: 'slow' } }
        : action === 'StopQueryExecution'
          ? { body: {} }
          : { body: { QueryExecution: execution('slow', 'RUNNING') } },
    );
    const err = await executeQuery(client, spec, { ...quick, timeoutMs: 40 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FanoutError);
    expect((err as FanoutError).context).toMatchObject({ timedOut: true, queryExecutionId: 'slow' });
    expect((err as FanoutError).retryable).toBe(false);
    expect(calls.at(-1)).toEqual({ action: 'StopQueryExecution', input: { QueryExecutionId: 'slow' } });
  });

  it('reports reused results', async () => {
    const { client } = fakeAthena((action) =>
      action === 'StartQueryExecution'
        ? { body: { QueryExecutionId: 'r' } }
        : {
            body: {
              QueryExecution: execution('r', 'SUCCEEDED', {
                Statistics: { DataScannedInBytes: 0, ResultReuseInformation: { ReusedPreviousResult: true } },
              }),
            },
          },
    );
    expect((await executeQuery(client, spec, quick)).reused).toBe(true);
  });

  it('ClientRequestToken: the same for a retried start, different per account, region, query, attempt', () => {
    const parts = { runId: 'r1', accountId: '111111111111', region: 'eu-west-1', query: 'q', attempt: 1 };
    const t = clientRequestToken(parts);
    expect(t).toMatch(/^[0-9a-f]{64}$/);
    expect(clientRequestToken({ ...parts })).toBe(t);
    for (const change of [
      { runId: 'r2' },
      { accountId: '222222222222' },
      { region: 'us-east-1' },
      { query: 'q2' },
      { attempt: 2 },
    ]) {
      expect(clientRequestToken({ ...parts, ...change })).not.toBe(t);
    }
  });
});

describe('StartQueryExecution input', () => {
  it('carries encryption, result reuse, execution parameters and the token', async () => {
    const { client, calls } = fakeAthena((action) =>
      action === 'StartQueryExecution'
        ? { body: { QueryExecutionId: 'e' } }
        : { body: { QueryExecution: execution('e', 'SUCCEEDED') } },
    );
    await executeQuery(
      client,
      {
        ...spec,
        sql: 'SELECT ? AS a',
        outputLocation: 's3://b/p/',
        encryption: { option: 'SSE_KMS', kmsKey: 'arn:aws:kms:eu-west-1:111111111111:key/k' },
        resultReuseMinutes: 60,
        executionParameters: ["'o''hara'"],
        clientRequestToken: 't'.repeat(64),
      },
      quick,
    );
    expect(calls[0]!.input).toEqual({
      QueryString: 'SELECT ? AS a',
      WorkGroup: 'primary',
      ResultConfiguration: {
        OutputLocation: 's3://b/p/',
        EncryptionConfiguration: {
          EncryptionOption: 'SSE_KMS',
          KmsKey: 'arn:aws:kms:eu-west-1:111111111111:key/k',
        },
      },
      ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 60 } },
      ExecutionParameters: ["'o''hara'"],
      ClientRequestToken: 't'.repeat(64),
    });
  });
});
