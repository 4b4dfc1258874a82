import { AthenaClient } from '@aws-sdk/client-athena';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '@athena-fanout/emulator';
import { FanoutError } from '../../../src/errors.js';
import { executeQuery, readQueryResults, renderSql, type SqlVariables } from '../../../src/extract/index.js';

const ACCOUNT = '111111111111';
let emu: RunningEmulator;
let athena: AthenaClient;

beforeAll(async () => {
  emu = await startEmulator({ scenario: 'emulator/scenarios/demo.yaml' });
  athena = new AthenaClient({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: emu.baseCredentials,
  });
});
afterAll(async () => {
  athena.destroy();
  await emu.close();
});

/** Names an attacker (or an unlucky admin) could give an account, a tag or a variable. */
const HOSTILE = {
  accountName: "x'); DROP TABLE inventory.inventory; --",
  team: "a''b\"; SELECT 1 /* */ -- '",
  ou: "Root/it's/--/;",
  v: "'; DELETE FROM inventory.inventory WHERE '1'='1",
};

const vars: SqlVariables = {
  accountId: ACCOUNT,
  accountName: HOSTILE.accountName,
  region: 'us-east-1',
  runDate: '2026-11-23',
  runId: 'run-1',
  ouPath: HOSTILE.ou,
  tags: { team: HOSTILE.team },
  vars: { v: HOSTILE.v, table: 'inventory' },
};

async function run(sql: string, parameters?: string[]) {
  const q = await executeQuery(
    athena,
    {
      queryName: 'tpl',
      sql,
      workgroup: 'primary',
      ...(parameters ? { executionParameters: parameters } : {}),
    },
    { poll: { initialDelayMs: 20, maxDelayMs: 50, factor: 2 } },
  );
  const res = await readQueryResults(athena, q.queryExecutionId, {
    context: { accountId: ACCOUNT, queryName: 'tpl' },
  });
  return res.batches.flatMap((b) => b.toArray().map((r) => (r as { toJSON(): object }).toJSON()));
}

describe('SQL templates with hostile account names, tags and variables', () => {
  it('values arrive as literals: the statement Athena runs is the one intended, and returns them verbatim', async () => {
    const sql = renderSql(
      'SELECT {{accountName}} AS name, {{tags.team}} AS team, {{ouPath}} AS ou, {{vars.v}} AS v, ' +
        '{{ accountId }} AS id, {{runDate}} AS day, {{tags.missing}} AS missing, ? AS p ' +
        'FROM {{id:vars.table}}.inventory LIMIT 1',
      vars,
      'tpl',
    );
    const parameters = [renderSql('{{accountName}}', vars)];
    const before = emu.record.queries.length;
    const rows = await run(sql, parameters);
    expect(rows).toEqual([
      {
        name: HOSTILE.accountName,
        team: HOSTILE.team,
        ou: HOSTILE.ou,
        v: HOSTILE.v,
        id: ACCOUNT,
        day: '2026-11-23',
        missing: null,
        p: HOSTILE.accountName,
      },
    ]);
    // One statement reached Athena, and the table the hostile text tried to drop is still there.
    expect(emu.record.queries.length).toBe(before + 1);
    expect(await run('SELECT count(*) > 0 AS still_there FROM inventory.inventory')).toEqual([
      { still_there: true },
    ]);
  });

  it('quotes are doubled; {{id:…}} accepts only identifiers; unknown names are refused', () => {
    expect(renderSql('{{accountName}}', { ...vars, accountName: "o'hara" })).toBe("'o''hara'");
    expect(() => renderSql('FROM {{id:vars.v}}', vars, 'q')).toThrow(FanoutError);
    expect(() => renderSql('FROM {{id:vars.v}}', vars, 'q')).toThrow(/not an identifier/);
    expect(() => renderSql('{{accountname}}', vars, 'q')).toThrow(
      /unknown template variable \{\{accountname\}\}/,
    );
    expect(() => renderSql('{{vars.nope}}', vars, 'q')).toThrow(/unknown template variable/);
    expect(renderSql("SELECT '{not a marker}'", vars)).toBe("SELECT '{not a marker}'");
  });
});
