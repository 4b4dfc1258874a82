import { describe, expect, it } from 'vitest';
import { FanoutError } from '../../../src/errors.js';
import { readQueryResults, streamQueryResults } from '../../../src/extract/index.js';
import { col, fakeAthena, resultPages, row } from '../fake-athena.js';

const cols = [col('id', 'bigint'), col('name', 'varchar')];

function numbered(n: number) {
  return Array.from({ length: n }, (_, i) => row(String(i + 1), `n${i + 1}`));
}

function ids(batches: { getChild(name: string): { toArray(): unknown } | null }[]): bigint[] {
  return batches.flatMap((b) => [...(b.getChild('id')!.toArray() as BigInt64Array)]);
}

describe('readQueryResults', () => {
  it('drops the header only on the first page and follows NextToken to the end', async () => {
    const { client, calls } = fakeAthena(resultPages(cols, numbered(2500), 1000));
    const res = await readQueryResults(client, 'qe-1', { batchRows: 700 });
    expect(res.rows).toBe(2500);
    expect(ids(res.batches)).toEqual(Array.from({ length: 2500 }, (_, i) => BigInt(i + 1)));
    expect(res.batches.map((b) => b.numRows)).toEqual([700, 700, 700, 400]);
    expect(calls.map((c) => c.input)).toEqual([
      { QueryExecutionId: 'qe-1', MaxResults: 1000 },
      { QueryExecutionId: 'qe-1', MaxResults: 1000, NextToken: 'tok-1000' },
      { QueryExecutionId: 'qe-1', MaxResults: 1000, NextToken: 'tok-2000' },
    ]);
  });

  it('keeps a later-page row that happens to look like the header', async () => {
    const rows = [...numbered(999), row('1000', 'name')];
    const textCols = [col('id', 'varchar'), col('name', 'varchar')];
    const data = [...rows, row('id', 'name')]; // row 1001 starts page 2 and equals the labels
    const { client } = fakeAthena(resultPages(textCols, data, 1000));
    const res = await readQueryResults(client, 'qe-1');
    expect(res.rows).toBe(1001);
    const last = res.batches.at(-1)!;
    expect(last.getChild('id')!.get(last.numRows - 1)).toBe('id');
  });

  it('returns the schema and no rows for a header-only result', async () => {
    const { client } = fakeAthena(resultPages(cols, [], 1000));
    const res = await readQueryResults(client, 'qe-1', {
      extraColumns: [{ name: 'account_id', value: '1' }],
    });
    expect(res.rows).toBe(0);
    expect(res.batches).toEqual([]);
    expect(res.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'account_id:Utf8',
      'id:Int64',
      'name:Utf8',
    ]);
  });

  it('keeps going through empty pages that still carry a NextToken', async () => {
    const pages = [
      { Rows: [row('id', 'name'), row('1', 'a')], NextToken: 'p2' },
      { Rows: [], NextToken: 'p3' },
      { Rows: [row('2', null)] },
    ];
    const { client } = fakeAthena((_action, input) => {
      const i = typeof input.NextToken === 'string' ? Number(input.NextToken.slice(1)) - 1 : 0;
      const p = pages[i]!;
      return {
        body: {
          ResultSet: { Rows: p.Rows, ResultSetMetadata: { ColumnInfo: cols } },
          ...(p.NextToken ? { NextToken: p.NextToken } : {}),
        },
      };
    });
    const res = await readQueryResults(client, 'qe-1');
    expect(res.rows).toBe(2);
    expect(ids(res.batches)).toEqual([1n, 2n]);
    expect(res.batches[0]!.getChild('name')!.toJSON()).toEqual(['a', null]);
  });

  it('keeps the first row of a result without a header (SHOW-style output)', async () => {
    const { client } = fakeAthena(() => ({
      body: {
        ResultSet: {
          Rows: [row('orders'), row('customers')],
          ResultSetMetadata: { ColumnInfo: [col('tab_name', 'string')] },
        },
      },
    }));
    const res = await readQueryResults(client, 'qe-1');
    expect(res.batches[0]!.getChild('tab_name')!.toJSON()).toEqual(['orders', 'customers']);
  });

  it('numbers rows across pages and batches in value errors', async () => {
    const rows = numbered(1500);
    rows[1233] = row('12x', 'bad');
    const { client } = fakeAthena(resultPages(cols, rows, 1000));
    const err = await readQueryResults(client, 'qe-9', {
      batchRows: 500,
      context: { accountId: '222222222222', queryName: 'inventory' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FanoutError);
    expect((err as FanoutError).message).toMatch(
      /account 222222222222, query inventory, row 1234, column id\): value "12x" is not a valid bigint/,
    );
    expect((err as FanoutError).context).toMatchObject({
      stage: 'results',
      queryExecutionId: 'qe-9',
      row: 1234,
    });
  });

  it('turns an API error into a FanoutError with AWS code and message', async () => {
    const { client } = fakeAthena(() => ({
      error: 'InvalidRequestException',
      message: 'Query has not yet finished. Current state: RUNNING',
    }));
    const err = (await readQueryResults(client, 'qe-1', {
      context: { accountId: '1', queryName: 'q' },
    }).catch((e: unknown) => e)) as FanoutError;
    expect(err).toBeInstanceOf(FanoutError);
    expect(err.context).toMatchObject({
      stage: 'results',
      accountId: '1',
      queryName: 'q',
      queryExecutionId: 'qe-1',
      awsCode: 'InvalidRequestException',
      awsMessage: 'Query has not yet finished. Current state: RUNNING',
    });
    expect(err.retryable).toBe(false);
  });

  it('stops paging when the signal is aborted', async () => {
    const ac = new AbortController();
    const { client, calls } = fakeAthena(resultPages(cols, numbered(3000), 1000));
    const stream = await streamQueryResults(client, 'qe-1', { batchRows: 1000, signal: ac.signal });
    const seen: number[] = [];
    const err = await (async () => {
      for await (const b of stream.batches) {
        seen.push(b.numRows);
        ac.abort();
      }
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1000]);
    expect(calls).toHaveLength(2); // of the 4 pages: the first batch needed page 2 (page 1 held the header)
    expect((err as FanoutError).context).toMatchObject({ stage: 'results', cancelled: true });
  });
});
