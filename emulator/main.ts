import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { startEmulator } from './index.js';

/** The demo scenario, whether running from source (emulator/) or from the build (emulator/dist/). */
function defaultScenario(): string {
  for (const rel of ['./scenarios/demo.yaml', '../scenarios/demo.yaml']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('no --scenario given and emulator/scenarios/demo.yaml not found');
}

async function main(): Promise<void> {
  const opts = new Command('athena-fanout-emulator')
    .description('Local AWS emulator (STS, Organizations, Athena, Glue, SNS, S3) for athena-fanout')
    .option('--scenario <file>', 'scenario YAML/JSON file (default: emulator/scenarios/demo.yaml)')
    .option('--port <n>', 'port on 127.0.0.1 (default: any free port)', (v) => Number.parseInt(v, 10))
    .parse()
    .opts<{ scenario?: string; port?: number }>();
  const emu = await startEmulator({ scenario: opts.scenario ?? defaultScenario(), port: opts.port });
  process.stdout.write(
    `AWS emulator listening on ${emu.endpoint}\n` +
      `export AWS_ENDPOINT_URL=${emu.endpoint}\n` +
      `export AWS_ACCESS_KEY_ID=${emu.baseCredentials.accessKeyId}\n` +
      `export AWS_SECRET_ACCESS_KEY=${emu.baseCredentials.secretAccessKey}\n` +
      `export AWS_REGION=us-east-1\n`,
  );
  const stop = (): void => {
    emu.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
