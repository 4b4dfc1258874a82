import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { startEmulator, type RunningEmulator, type ScenarioInput } from '@athena-fanout/emulator';
import { discoverOrganizationAccounts } from '../../src/accounts/index.js';

const MGMT = '111111111111';
/** 300 members spread over 3 top-level OUs × 5 child OUs, each tagged with its index parity. */
const MEMBERS = Array.from({ length: 300 }, (_, i) => ({
  id: String(400000000000 + i),
  ou: `Root/Unit${i % 3}/Team${i % 5}`,
  tags: { parity: i % 2 === 0 ? 'even' : 'odd', index: String(i) },
}));

const scenario: ScenarioInput = {
  organization: { id: 'o-throttled0001', managementAccountId: MGMT },
  accounts: [
    { id: MGMT, name: 'management', email: 'm@example.com' },
    ...MEMBERS.map((m) => ({ ...m, name: `member-${m.id}`, email: `${m.id}@example.com` })),
  ],
  identities: [
    { accessKeyId: 'AKIATHROTTLEDBASE01', secretAccessKey: 'secret', arn: `arn:aws:iam::${MGMT}:user/ci` },
  ],
  knobs: {
    queryLatencyMs: 0,
    emptyPages: true,
    // A third of every Organizations call is refused with TooManyRequestsException.
    throttle: {
      rate: 0.35,
      seed: 7,
      actions: [
        'ListRoots',
        'ListOrganizationalUnitsForParent',
        'ListAccountsForParent',
        'ListTagsForResource',
      ],
    },
  },
};

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ scenario });
});
afterAll(async () => {
  await emu.close();
});

const throttledSince = (n: number) =>
  emu.record.calls.slice(n).filter((c) => c.errorCode === 'TooManyRequestsException').length;

describe('300 accounts with a third of Organizations calls throttled', () => {
  it('our backoff alone (SDK retries off) still finds every account, OU path and tag', async () => {
    const before = emu.record.calls.length;
    const orgs = new OrganizationsClient({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIATHROTTLEDBASE01', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    let retried = 0;
    const found = await discoverOrganizationAccounts(
      orgs,
      { tags: { parity: ['even'] } },
      {
        concurrency: 8,
        retry: {
          baseDelayMs: 2,
          maxDelayMs: 50,
          attempts: 30,
          onRetry: (_op, err) => {
            expect((err as { context: { awsCode: string } }).context.awsCode).toBe(
              'TooManyRequestsException',
            );
            retried++;
          },
        },
      },
    );
    expect(found.all).toHaveLength(301);
    for (const m of MEMBERS) {
      expect(found.all.find((a) => a.id === m.id)?.ouPath).toBe(m.ou);
    }
    expect(found.selected.map((a) => a.id)).toEqual(MEMBERS.filter((_, i) => i % 2 === 0).map((m) => m.id));
    expect(found.selected.every((a) => a.tags?.index === String(Number(a.id) - 400000000000))).toBe(true);
    const throttled = throttledSince(before);
    expect(throttled).toBeGreaterThan(100);
    // every refused call was retried by us, and nothing else was
    expect(retried).toBe(throttled);
  });
});
