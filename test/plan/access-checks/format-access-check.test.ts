import { describe, expect, it } from 'vitest';
import {
  accessSummary,
  formatAccessCheck,
  formatAccessSummary,
} from '../../../src/plan/access-checks/format-access-check.js';
import type { AccessCheck, CheckResult } from '../../../src/plan/access-checks/check-result.js';
import { resultSettings } from '../../../src/plan/access-checks/workgroup-check.js';

const wg = { region: 'eu-west-1', workgroup: 'primary', ok: true };
const check = (over: Partial<CheckResult>): CheckResult => ({
  check: 'location',
  action: 's3:ListObjectsV2',
  resource: 's3://data-222/inventory/',
  region: 'eu-west-1',
  queries: ['inventory'],
  ok: true,
  ...over,
});

describe('formatAccessCheck', () => {
  it('one FAIL line per failed check with the call, the resource and AWS words; INFO per note; no OK line', () => {
    const account: AccessCheck = {
      accountId: '222222222222',
      accountName: 'web-prod',
      ok: false,
      callerArn: 'arn:aws:sts::222222222222:assumed-role/AthenaReader/s',
      workgroups: [wg],
      hops: 2,
      checks: [
        check({
          check: 'workgroup',
          action: 'athena:GetWorkGroup',
          resource: 'primary@eu-west-1',
          notes: ['bytes scanned cutoff 10.0 MB per query'],
        }),
        check({
          ok: false,
          error: { code: 'AccessDenied', message: 'User: x is not authorized to perform: s3:ListBucket' },
        }),
        check({
          check: 'results',
          action: 's3:PutObject',
          resource: 's3://r/.probe',
          ok: false,
          error: { code: 'AccessDenied', message: 'Access Denied' },
        }),
      ],
    };
    expect(formatAccessCheck(account).split('\n')).toEqual([
      'FAIL  222222222222 web-prod  s3:ListObjectsV2 s3://data-222/inventory/  AccessDenied: User: x is not authorized to perform: s3:ListBucket',
      'FAIL  222222222222 web-prod  s3:PutObject s3://r/.probe  AccessDenied: Access Denied',
      'INFO  222222222222 web-prod  athena:GetWorkGroup primary@eu-west-1  bytes scanned cutoff 10.0 MB per query',
    ]);
    expect(accessSummary([account])).toEqual({ accounts: 1, ok: 0, failed: 1, checks: 4, failedChecks: 2 });
  });

  it('a refused hop is one line naming the hop; the summary counts it as one failed check', () => {
    const account: AccessCheck = {
      accountId: '333333333333',
      ok: false,
      workgroups: [],
      checks: [],
      hops: 3,
      error: {
        message: 'refused',
        hopIndex: 2,
        roleArn: 'arn:aws:iam::333333333333:role/R',
        awsCode: 'AccessDenied',
        awsMessage: 'User: y is not authorized to perform: sts:AssumeRole',
        operation: 'AssumeRole',
      },
    };
    expect(formatAccessCheck(account)).toBe(
      'FAIL  333333333333  hop 3/3 arn:aws:iam::333333333333:role/R: AccessDenied: User: y is not authorized to perform: sts:AssumeRole',
    );
    expect(formatAccessSummary([account])).toBe('0 OK, 1 failed (1 account; 1 of 1 check failed)');
  });
});

describe('resultSettings', () => {
  const query = { outputLocation: 's3://mine/', encryption: { option: 'SSE_S3' } };
  it("an enforcing workgroup's location and encryption win over the query's", () => {
    const facts = {
      ...wg,
      enforced: true,
      outputLocation: 's3://wg/',
      encryption: { option: 'SSE_KMS', kmsKey: 'k' },
    };
    expect(resultSettings(facts, query)).toEqual({
      location: 's3://wg/',
      encryption: { option: 'SSE_KMS', kmsKey: 'k' },
    });
  });
  it("otherwise the query's, each falling back to the workgroup's", () => {
    const facts = {
      ...wg,
      enforced: false,
      outputLocation: 's3://wg/',
      encryption: { option: 'SSE_KMS', kmsKey: 'k' },
    };
    expect(resultSettings(facts, query)).toEqual({
      location: 's3://mine/',
      encryption: { option: 'SSE_S3' },
    });
    expect(resultSettings(facts, {})).toEqual({
      location: 's3://wg/',
      encryption: { option: 'SSE_KMS', kmsKey: 'k' },
    });
    expect(resultSettings(undefined, {})).toEqual({});
  });
});
