import type { AccessCheck, CheckResult } from './check-result.js';

const who = (check: AccessCheck) => `${check.accountId}${check.accountName ? ` ${check.accountName}` : ''}`;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function counts(checks: CheckResult[]): string {
  const n = (kind: CheckResult['check']) => checks.filter((c) => c.check === kind).length;
  const parts = [
    plural(n('table'), 'table', 'tables'),
    plural(n('location'), 'location listable', 'locations listable'),
    n('results') > 0 ? plural(n('results'), 'results location writable', 'results locations writable') : '',
    n('explain') > 0 ? plural(n('explain'), 'query explained', 'queries explained') : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/**
 * An account's lines: `OK` with the caller and what was proved, or one `FAIL` per failed check naming
 * the check, the resource and AWS's words; then an `INFO` line per note (what a workgroup enforces).
 */
export function formatAccessCheck(check: AccessCheck): string {
  const name = who(check);
  const e = check.error;
  if (e?.hopIndex !== undefined) {
    const caller = e.callerArn ? ` (caller ${e.callerArn})` : '';
    const aws = e.awsCode ? `${e.awsCode}: ${e.awsMessage ?? e.message}` : e.message;
    return `FAIL  ${name}  hop ${e.hopIndex + 1}/${check.hops} ${e.roleArn ?? ''}${caller}: ${aws}`;
  }
  if (e && check.checks.length === 0) {
    const aws = e.awsCode ? `${e.awsCode}: ${e.awsMessage ?? e.message}` : e.message;
    return `FAIL  ${name}  ${e.operation}: ${aws}`;
  }
  const lines: string[] = [];
  if (check.ok) {
    const wgs = check.workgroups.map((w) => `${w.workgroup}@${w.region}`).join(', ');
    lines.push(`OK    ${name}  as ${check.callerArn ?? '?'}  workgroups: ${wgs}; ${counts(check.checks)}`);
  }
  for (const c of check.checks) {
    if (!c.ok) lines.push(`FAIL  ${name}  ${c.action} ${c.resource}  ${c.error!.code}: ${c.error!.message}`);
  }
  for (const c of check.checks) {
    for (const note of c.notes ?? []) {
      if (c.check === 'table' && note.startsWith('data in ')) continue;
      lines.push(`INFO  ${name}  ${c.action} ${c.resource}  ${note}`);
    }
  }
  return lines.join('\n');
}

export interface AccessSummary {
  accounts: number;
  ok: number;
  failed: number;
  /** Checks made (the chain counts as one per account) and how many of them failed. */
  checks: number;
  failedChecks: number;
}

export function accessSummary(checks: AccessCheck[]): AccessSummary {
  const failed = checks.filter((c) => !c.ok).length;
  // An account whose chain failed made one check (the chain) and nothing else.
  const chainFailed = checks.filter((c) => !c.ok && c.checks.length === 0).length;
  return {
    accounts: checks.length,
    ok: checks.length - failed,
    failed,
    checks: checks.reduce((n, c) => n + 1 + c.checks.length, 0),
    failedChecks: chainFailed + checks.reduce((n, c) => n + c.checks.filter((r) => !r.ok).length, 0),
  };
}

/** The last line: accounts OK and failed, and how many checks failed of how many made. */
export function formatAccessSummary(checks: AccessCheck[]): string {
  const s = accessSummary(checks);
  return `${s.ok} OK, ${s.failed} failed (${plural(s.accounts, 'account', 'accounts')}; ${s.failedChecks} of ${plural(s.checks, 'check', 'checks')} failed)`;
}
