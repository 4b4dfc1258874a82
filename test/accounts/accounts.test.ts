import { describe, expect, it } from 'vitest';
import {
  ListAccountsCommand,
  OrganizationsServiceException,
  type ListAccountsCommandOutput,
} from '@aws-sdk/client-organizations';
import { FanoutError } from '../../src/errors.js';
import {
  accountsFromList,
  describeOrganization,
  listOrganizationAccounts,
  selectAccounts,
  type Account,
  type OrganizationsSender,
} from '../../src/accounts/index.js';

/** A stand-in client answering ListAccounts from canned pages keyed by the NextToken asked for. */
function pagedClient(pages: Record<string, Partial<ListAccountsCommandOutput>>) {
  const tokens: (string | undefined)[] = [];
  const client = {
    send: (command: unknown) => {
      if (!(command instanceof ListAccountsCommand)) throw new Error('unexpected command');
      expect(command.input.MaxResults).toBe(20);
      tokens.push(command.input.NextToken);
      const page = pages[command.input.NextToken ?? ''];
      if (!page) throw new Error(`no page for ${command.input.NextToken}`);
      return Promise.resolve(page);
    },
  } as unknown as OrganizationsSender;
  return { client, tokens };
}

describe('listOrganizationAccounts', () => {
  it('follows NextToken through empty pages to the end, reading State or the retired Status', async () => {
    const { client, tokens } = pagedClient({
      '': {
        Accounts: [
          { Id: '111111111111', Name: 'management', Email: 'm@example.com', Arn: 'arn:1', State: 'ACTIVE' },
          { Id: '222222222222', Name: 'old', State: 'SUSPENDED', Status: 'SUSPENDED' },
        ],
        NextToken: 't1',
      },
      t1: { Accounts: [], NextToken: 't2' },
      t2: { NextToken: 't3' },
      t3: { Accounts: [{ Id: '333333333333', Name: 'legacy', Status: 'ACTIVE' }] },
    });
    const accounts = await listOrganizationAccounts(client);
    expect(tokens).toEqual([undefined, 't1', 't2', 't3']);
    expect(accounts).toEqual([
      { id: '111111111111', name: 'management', email: 'm@example.com', arn: 'arn:1', state: 'ACTIVE' },
      { id: '222222222222', name: 'old', state: 'SUSPENDED' },
      { id: '333333333333', name: 'legacy', state: 'ACTIVE' },
    ]);
  });

  it("reports an Organizations failure with AWS's code and words", async () => {
    const client = {
      send: () =>
        Promise.reject(
          new OrganizationsServiceException({
            name: 'AccessDeniedException',
            $fault: 'client',
            $metadata: { httpStatusCode: 403, requestId: 'r-1' },
            message: 'You don’t have permissions to access this resource.',
          }),
        ),
    } as unknown as OrganizationsSender;
    const err = await listOrganizationAccounts(client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FanoutError);
    const f = err as FanoutError;
    expect(f.message).toBe(
      'Organizations ListAccounts failed: AccessDeniedException: You don’t have permissions to access this resource.',
    );
    expect(f.retryable).toBe(false);
    expect(f.context).toMatchObject({
      stage: 'accounts',
      awsCode: 'AccessDeniedException',
      requestId: 'r-1',
    });
  });

  it('retries throttling with backoff, then reports it as retryable when it never stops', async () => {
    const throttled = () =>
      new OrganizationsServiceException({
        name: 'TooManyRequestsException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message:
          'AWS Organizations can’t complete your request because another request is already in progress.',
      });
    let calls = 0;
    const flaky = {
      send: () => {
        calls++;
        return calls <= 3
          ? Promise.reject(throttled())
          : Promise.resolve({ Accounts: [{ Id: '111111111111', State: 'ACTIVE' }] });
      },
    } as unknown as OrganizationsSender;
    const retries: number[] = [];
    const retry = {
      baseDelayMs: 1,
      onRetry: (_op: string, _e: unknown, attempt: number) => retries.push(attempt),
    };
    expect((await listOrganizationAccounts(flaky, { retry })).map((a) => a.id)).toEqual(['111111111111']);
    expect(retries).toEqual([1, 2, 3]);

    const always = { send: () => Promise.reject(throttled()) } as unknown as OrganizationsSender;
    const err = (await listOrganizationAccounts(always, { retry: { baseDelayMs: 1, attempts: 4 } }).catch(
      (e: unknown) => e,
    )) as FanoutError;
    expect(err.retryable).toBe(true);
    expect(err.context.awsCode).toBe('TooManyRequestsException');
  });

  it('describeOrganization gives the management account', async () => {
    const client = {
      send: () =>
        Promise.resolve({
          Organization: { Id: 'o-abc1234567', MasterAccountId: '111111111111', Arn: 'arn:org' },
        }),
    } as unknown as OrganizationsSender;
    expect(await describeOrganization(client)).toEqual({
      id: 'o-abc1234567',
      arn: 'arn:org',
      managementAccountId: '111111111111',
    });
  });
});

describe('selectAccounts', () => {
  const acc = (id: string, state = 'ACTIVE', name?: string): Account => ({
    id,
    state,
    ...(name ? { name } : {}),
  });

  it('keeps ACTIVE accounts in order and gives a reason for every skipped one', () => {
    const all = [
      acc('111111111111'),
      acc('222222222222', 'SUSPENDED', 'old'),
      acc('333333333333'),
      acc('111111111111'),
      acc('444444444444', 'PENDING_CLOSURE'),
      acc('555555555555'),
    ];
    const { selected, skipped, notFound } = selectAccounts(all, { exclude: ['333333333333'] });
    expect(selected.map((a) => a.id)).toEqual(['111111111111', '555555555555']);
    expect(skipped.map((s) => [s.account.id, s.reason])).toEqual([
      ['222222222222', 'state is SUSPENDED, not ACTIVE'],
      ['333333333333', 'excluded by accounts.exclude'],
      ['444444444444', 'state is PENDING_CLOSURE, not ACTIVE'],
    ]);
    expect(notFound).toEqual([]);
  });

  it('applies include and reports include ids that match no account', () => {
    const all = [acc('111111111111'), acc('222222222222'), acc('333333333333')];
    const { selected, skipped, notFound } = selectAccounts(all, {
      include: ['333333333333', '111111111111', '999999999999'],
      exclude: ['111111111111'],
    });
    expect(selected.map((a) => a.id)).toEqual(['333333333333']);
    expect(skipped.map((s) => [s.account.id, s.reason])).toEqual([
      ['111111111111', 'excluded by accounts.exclude'],
      ['222222222222', 'not in accounts.include'],
    ]);
    expect(notFound).toEqual(['999999999999']);
  });

  it('accepts other states when asked, and treats listed accounts as ACTIVE', () => {
    const listed = accountsFromList(['111111111111', '222222222222']);
    expect(listed).toEqual([
      { id: '111111111111', state: 'ACTIVE' },
      { id: '222222222222', state: 'ACTIVE' },
    ]);
    const { selected } = selectAccounts([...listed, acc('333333333333', 'SUSPENDED')], {
      states: ['ACTIVE', 'SUSPENDED'],
    });
    expect(selected).toHaveLength(3);
  });
});
