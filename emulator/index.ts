import type { Server } from 'node:http';
import { AccountDatabases } from './athena/engine.js';
import { AthenaService } from './athena/service.js';
import { ScenarioCatalog } from './glue/catalog.js';
import { GlueService } from './glue/service.js';
import { IdentityStore } from './identity.js';
import { Organizations } from './organizations.js';
import { newRecord, type EmulatorRecord } from './record.js';
import { S3Store } from './s3.js';
import { loadScenario, type Scenario, type ScenarioInput } from './scenario.js';
import { serverPort, startServer } from './server.js';

export { loadScenario };
export type { Scenario, ScenarioInput };
export type {
  EmulatorRecord,
  RecordedCall,
  RecordedAssumeRole,
  RecordedMessage,
  RecordedQuery,
} from './record.js';

export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`: the one endpoint for STS, Organizations, Athena, Glue, SNS and S3. */
  endpoint: string;
  /** The scenario's first identity. */
  baseCredentials: { accessKeyId: string; secretAccessKey: string };
  record: EmulatorRecord;
  /** The in-memory S3 behind the endpoint, for tests that want to look without a client. */
  s3: S3Store;
  /** Every secret access key and session token of the scenario and of the sessions issued so far. */
  secrets(): string[];
  close(): Promise<void>;
}

/**
 * Starts the emulator on 127.0.0.1 (port 0 = any free port). `scenario` is a YAML/JSON file path, a
 * loaded Scenario or a raw scenario object (validated either way).
 */
export async function startEmulator(opts: {
  scenario: Scenario | ScenarioInput | string;
  port?: number;
}): Promise<RunningEmulator> {
  const scenario = await loadScenario(opts.scenario);
  const identities = new IdentityStore(scenario);
  const record = newRecord();
  const s3 = new S3Store();
  const dbs = new AccountDatabases(scenario);
  if (!scenario.knobs.fixedResults) {
    await dbs.seed().catch(async (err: unknown) => {
      await dbs.close();
      throw err;
    });
  }
  const catalog = new ScenarioCatalog(scenario);
  catalog.seed(s3);
  const athena = new AthenaService(scenario, dbs, s3, record, catalog);
  const organizations = new Organizations(scenario);
  const glue = new GlueService(catalog, dbs);
  let server: Server;
  try {
    server = await startServer(
      {
        scenario,
        identities,
        record,
        s3,
        athena: athena.handle,
        organizations: organizations.handle,
        glue: glue.handle,
      },
      opts.port ?? 0,
    );
  } catch (err) {
    await dbs.close();
    throw err;
  }
  const first = scenario.identities[0]!;
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${serverPort(server)}`,
    baseCredentials: { accessKeyId: first.accessKeyId, secretAccessKey: first.secretAccessKey },
    record,
    s3,
    secrets: () => identities.secretValues(),
    close: () =>
      (closed ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
          server.closeAllConnections();
        });
        await athena.close();
        await dbs.close();
      })()),
  };
}
