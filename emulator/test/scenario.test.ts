import { fileURLToPath } from 'node:url';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { describe, expect, it } from 'vitest';
import { loadScenario, startEmulator } from '../index.js';
import { smallScenario } from './fixture.js';

/** A shipped scenario file, wherever vitest runs from (the repository or the package). */
const scenarioFile = (name: string): string =>
  fileURLToPath(new URL(`../scenarios/${name}`, import.meta.url));

describe('loadScenario', () => {
  it('names the offending fields', async () => {
    const bad = smallScenario();
    const broken = {
      ...bad,
      accounts: [...bad.accounts, { id: 222222222222, name: 'x', email: 'x@example.com' }],
    };
    await expect(loadScenario(broken)).rejects.toThrow(/accounts\.5\.id: .*12-digit account id in quotes/);
    await expect(
      loadScenario({ ...bad, organization: { id: 'o-exampleorg01', managementAccountId: '999999999999' } }),
    ).rejects.toThrow(/management account 999999999999 is not in accounts/);
    await expect(loadScenario(scenarioFile('missing.yaml'))).rejects.toThrow(/cannot read scenario file/);
  });

  it('loads the demo and builds demo-faults on top of it', async () => {
    const demo = await loadScenario(scenarioFile('demo.yaml'));
    const members = demo.accounts.filter((a) => a.id !== demo.organization.managementAccountId);
    expect(members.length).toBeGreaterThanOrEqual(13);
    expect(new Set(members.map((a) => a.ou))).toEqual(new Set(['Root/Prod', 'Root/Dev']));
    expect(members.filter((a) => a.state === 'SUSPENDED')).toHaveLength(1);
    const faults = await loadScenario(scenarioFile('demo-faults.yaml'));
    expect(faults.accounts).toHaveLength(demo.accounts.length + 1);
    expect(faults.roles.map((r) => r.arn)).toContain('arn:aws:iam::230000000001:role/AthenaReader');
    expect(faults.knobs.primaryOutputLocation).toBe(demo.knobs.primaryOutputLocation);
    expect(faults.knobs.failQueries).toHaveLength(2);
  });
});

describe('demo-faults scenario', () => {
  it('fails the first query of an account with a retryable error, then succeeds', async () => {
    const emu = await startEmulator({ scenario: scenarioFile('demo-faults.yaml') });
    try {
      const region = 'us-east-1';
      const credentials = fromTemporaryCredentials({
        clientConfig: { endpoint: emu.endpoint, region },
        masterCredentials: emu.baseCredentials,
        params: {
          RoleArn: 'arn:aws:iam::210000000003:role/AthenaReader',
          RoleSessionName: 'reader',
          ExternalId: 'fanout-demo-ext',
        },
      });
      const athena = new AthenaClient({ endpoint: emu.endpoint, region, credentials });
      const run = async (): Promise<QueryExecution> => {
        const { QueryExecutionId } = await athena.send(
          new StartQueryExecutionCommand({ QueryString: 'SELECT count(*) AS n FROM inventory.inventory' }),
        );
        for (;;) {
          const { QueryExecution: qe } = await athena.send(
            new GetQueryExecutionCommand({ QueryExecutionId }),
          );
          if (!['QUEUED', 'RUNNING'].includes(qe!.Status!.State!)) return qe!;
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const first = await run();
      expect(first.Status!.State).toBe('FAILED');
      expect(first.Status!.AthenaError).toMatchObject({ ErrorCategory: 1, Retryable: true });
      const second = await run();
      expect(second.Status!.State).toBe('SUCCEEDED');
      expect(second.ResultConfiguration!.OutputLocation).toMatch(
        /^s3:\/\/athena-results-210000000003\/primary\//,
      );
      const rows = await athena.send(
        new GetQueryResultsCommand({ QueryExecutionId: second.QueryExecutionId }),
      );
      expect(rows.ResultSet!.Rows![1]!.Data![0]!.VarCharValue).toBe('8');
    } finally {
      await emu.close();
    }
  });
});
