import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { startEmulator, type RunningEmulator, type ScenarioInput } from '@athena-fanout/emulator';

export interface EmulatorClients {
  emu: RunningEmulator;
  athena: AthenaClient;
  s3: S3Client;
  /** Destroys both clients and closes the emulator. */
  close: () => Promise<void>;
}

/** Starts the emulator and an Athena and an S3 client on it with the scenario's base identity. */
export async function startWithClients(scenario: ScenarioInput | string): Promise<EmulatorClients> {
  const emu = await startEmulator({ scenario });
  const client = { endpoint: emu.endpoint, region: 'us-east-1', credentials: emu.baseCredentials };
  const athena = new AthenaClient(client);
  const s3 = new S3Client({ ...client, forcePathStyle: true });
  return {
    emu,
    athena,
    s3,
    close: async () => {
      athena.destroy();
      s3.destroy();
      await emu.close();
    },
  };
}
