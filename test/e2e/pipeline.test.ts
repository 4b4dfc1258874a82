import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import type { CliResult } from '../helpers/cli.js';
import { duckRows } from '../helpers/duckdb.js';
import {
  DENIED,
  EXCLUDED,
  EXTERNAL_ID,
  expectedAccounts,
  HARD_ROWS,
  MANAGEMENT,
  orgScenario,
  SUSPENDED,
} from '../helpers/org-scenario.js';
import { runInOrgDir } from '../helpers/org-run.js';
import { pipelineYaml } from '../helpers/pipeline-yaml.js';

/** The shared e2e org config, with this file's session name. */
function configYaml(opts: { chainFrom: 'base' | 'master' }): string {
  return pipelineYaml('', { chainFrom: opts.chainFrom, sessionName: 'fanout-e2e' });
}

describe('athena-fanout run against the emulator (account chain from the master chain)', () => {
  let emulator: RunningEmulator;
  let dir: string;
  let result: CliResult;
  let manifest: Manifest;
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ emulator, dir, result, manifest, cleanup } = await runInOrgDir(configYaml({ chainFrom: 'master' })));
  });
  afterAll(() => cleanup?.());

  it('exits 1 (partial) because one account denies its role, and says so', () => {
    expect(result.code, result.stderr).toBe(1);
    expect(manifest.status).toBe('partial');
    expect(result.stdout).toContain(DENIED);
  });

  it('assumes the master chain in order with the ExternalId, then each account role from it', () => {
    const hops = emulator.record.assumeRoles;
    expect(hops[0]).toMatchObject({
      roleArn: `arn:aws:iam::${MANAGEMENT}:role/OrgHub`,
      externalId: EXTERNAL_ID,
      ok: true,
    });
    expect(hops[0]!.callerArn).toBe(`arn:aws:iam::${MANAGEMENT}:user/ci`);
    expect(hops[1]).toMatchObject({
      roleArn: `arn:aws:iam::${MANAGEMENT}:role/OrgReader`,
      externalId: EXTERNAL_ID,
      ok: true,
    });
    expect(hops[1]!.callerArn).toMatch(new RegExp(`^arn:aws:sts::${MANAGEMENT}:assumed-role/OrgHub/`));
    const memberHops = hops.filter((h) => h.roleArn.endsWith(':role/AthenaReader'));
    for (const h of memberHops) {
      expect(h.externalId).toBe(EXTERNAL_ID);
      expect(h.callerArn).toMatch(new RegExp(`^arn:aws:sts::${MANAGEMENT}:assumed-role/OrgReader/`));
    }
    // The shared master prefix is assumed once, not once per account.
    expect(hops.filter((h) => h.roleArn.endsWith(':role/OrgHub') && h.ok)).toHaveLength(1);
  });

  it("runs each account's query with that account's role, and the management account's with the master chain", () => {
    const byAccount = new Map(emulator.record.queries.map((q) => [q.accountId, q.callerArn]));
    for (const id of expectedAccounts()) {
      const caller = byAccount.get(id);
      if (id === MANAGEMENT) expect(caller).toMatch(/:assumed-role\/OrgReader\//);
      else expect(caller).toMatch(new RegExp(`^arn:aws:sts::${id}:assumed-role/AthenaReader/`));
    }
    expect([...byAccount.keys()].sort()).toEqual(expectedAccounts().sort());
  });

  it('never queries suspended or excluded accounts and lists them as skipped with the reason', () => {
    const queried = new Set(emulator.record.queries.map((q) => q.accountId));
    expect(queried.has(SUSPENDED)).toBe(false);
    expect(queried.has(EXCLUDED)).toBe(false);
    const skipped = Object.fromEntries(manifest.accounts.skipped.map((s) => [s.accountId, s.reason]));
    expect(skipped[SUSPENDED]).toMatch(/SUSPENDED/);
    expect(skipped[EXCLUDED]).toMatch(/exclude/i);
  });

  it("reports the denied account with AWS's AccessDenied message and the hop's role ARN", () => {
    const unit = manifest.units.find((u) => u.accountId === DENIED);
    expect(unit?.state).toBe('failed');
    expect(unit?.error?.awsCode).toBe('AccessDenied');
    expect(unit?.error?.roleArn).toBe(`arn:aws:iam::${DENIED}:role/AthenaReader`);
    expect(unit?.error?.hopIndex).toBe(2);
    expect(unit?.error?.message).toContain('is not authorized to perform: sts:AssumeRole');
    const ok = manifest.units.filter((u) => u.state === 'succeeded');
    expect(ok.map((u) => u.accountId).sort()).toEqual(expectedAccounts().sort());
    expect(ok.every((u) => u.rows === 4 && u.queryExecutionIds.length === 1)).toBe(true);
    // fetch: auto (the default) and four rows: built from the first GetQueryResults page, no S3.
    expect(new Set(ok.map((u) => [u.fetch, u.fetchFallback].join(': ')))).toEqual(
      new Set(['api: the whole result fit the first GetQueryResults page']),
    );
  });

  it('writes exactly the expected rows, with exact types, to Parquet (read back by DuckDB)', async () => {
    const file = join(dir, 'out/inventory.parquet');
    const rows = await duckRows(
      `SELECT account_id, id::VARCHAR AS id, name, cost::VARCHAR AS cost, strftime(seen, '%Y-%m-%d %H:%M:%S.%g') AS seen,
              day::VARCHAR AS day, ratio::VARCHAR AS ratio, active::VARCHAR AS active, note
       FROM read_parquet('${file}') ORDER BY account_id, note NULLS FIRST, id`,
    );
    const accounts = expectedAccounts().sort();
    expect(rows).toHaveLength(accounts.length * 4);
    for (const account of accounts) {
      const mine = rows.filter((r) => r.account_id === account);
      expect(mine).toHaveLength(4);
      const own = mine.find((r) => r.note === 'own');
      expect(own?.id).toBe(String(Number(account)));
      for (const want of HARD_ROWS) {
        const got = mine.find((r) => r.id === want.id);
        expect(got, `${account} row ${want.id}`).toBeDefined();
        expect(got!.name).toBe(want.name);
        expect(got!.cost).toBe(want.cost);
        expect(got!.seen).toBe(
          want.seen === null ? null : want.seen.length === 19 ? `${want.seen}.000` : want.seen,
        );
        expect(got!.day).toBe(want.day);
        expect(got!.ratio === null ? null : Number(got!.ratio)).toBe(
          want.ratio === null ? null : Number(want.ratio),
        );
        expect(got!.active).toBe(want.active);
        expect(got!.note).toBe(want.note);
      }
    }
    const types = await duckRows(
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${file}'))`,
    );
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toMatchObject({
      account_id: 'VARCHAR',
      id: 'BIGINT',
      cost: 'DECIMAL(38,9)',
      seen: expect.stringMatching(/^TIMESTAMP/) as unknown,
      day: 'DATE',
      ratio: 'DOUBLE',
      active: 'BOOLEAN',
      name: 'VARCHAR',
    });
  });

  it('writes the same rows to Arrow IPC (read back by apache-arrow), NULL apart from ""', async () => {
    const table = tableFromIPC(await readFile(join(dir, 'out/inventory.arrow')));
    expect(table.numRows).toBe(expectedAccounts().length * 4);
    const ids = table.getChild('id')!.toArray() as BigInt64Array;
    expect([...ids].filter((v) => v === 9007199254740993n)).toHaveLength(expectedAccounts().length);
    const note = table.getChild('note')!;
    const values = Array.from({ length: table.numRows }, (_, i) => note.get(i) as string | null);
    expect(values.filter((v) => v === '')).toHaveLength(expectedAccounts().length);
    expect(values.filter((v) => v === null)).toHaveLength(expectedAccounts().length);
  });

  it('leaves only complete files at the output paths (no temp files)', async () => {
    expect((await readdir(join(dir, 'out'))).sort()).toEqual([
      'inventory.arrow',
      'inventory.parquet',
      'manifest.json',
    ]);
  });
});

describe('athena-fanout run with the account chain from the base credentials', () => {
  it('exits 0 when every account answers, assuming AthenaReader from the base identity', async () => {
    const { emulator, result, manifest, cleanup } = await runInOrgDir(configYaml({ chainFrom: 'base' }), {
      scenario: orgScenario({ deniedAccounts: [] }),
    });
    try {
      expect(result.code, result.stderr).toBe(0);
      const memberHops = emulator.record.assumeRoles.filter((h) => h.roleArn.endsWith(':role/AthenaReader'));
      expect(memberHops.length).toBeGreaterThan(0);
      for (const h of memberHops) expect(h.callerArn).toBe(`arn:aws:iam::${MANAGEMENT}:user/ci`);
      expect(manifest.totals.rows).toBe(expectedAccounts([]).length * 4);
    } finally {
      await cleanup();
    }
  });

  it('exits 3 when the master chain is refused, naming hop 1 and AWS error', async () => {
    const { emulator, result, manifest, cleanup } = await runInOrgDir(configYaml({ chainFrom: 'base' }), {
      scenario: orgScenario({ masterExternalId: 'another-id' }),
    });
    try {
      expect(result.code).toBe(3);
      expect(manifest.error?.roleArn).toBe(`arn:aws:iam::${MANAGEMENT}:role/OrgHub`);
      expect(manifest.error?.awsCode).toBe('AccessDenied');
      expect(emulator.record.queries).toHaveLength(0);
      // STS's AccessDenied names the caller, the action and the role, never the ExternalId (the emulator
      // answers in STS's words), so this only guards our own output. The one STS error that does echo
      // it, a ValidationError, is redacted: test/auth-chain/role-chain-resolver.test.ts proves that.
      expect(result.stdout + result.stderr).not.toContain(EXTERNAL_ID);
    } finally {
      await cleanup();
    }
  });
});
