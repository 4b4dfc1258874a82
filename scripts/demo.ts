// `npm run demo [-- --faults]`: starts the local AWS emulator with a sample organization and runs
// `athena-fanout run` with the repository's pipeline.config.yaml against it, as a user would.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@athena-fanout/emulator';

const root = fileURLToPath(new URL('../../', import.meta.url));
const faults = process.argv.includes('--faults');
const scenario = `${root}emulator/scenarios/${faults ? 'demo-faults.yaml' : 'demo.yaml'}`;

const emulator = await startEmulator({ scenario });
process.stdout.write(
  `Local AWS emulator (STS, Organizations, Athena, S3) listening on ${emulator.endpoint}\n` +
    `Scenario: ${scenario.slice(root.length)}${faults ? ' (with faults: a denied role and a failing query)' : ''}\n\n`,
);

// Only what a real user would set: endpoint override, base keys, region, and the ExternalId secret.
const env: NodeJS.ProcessEnv = {
  ...process.env,
  AWS_ENDPOINT_URL: emulator.endpoint,
  AWS_ACCESS_KEY_ID: emulator.baseCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: emulator.baseCredentials.secretAccessKey,
  AWS_REGION: 'eu-west-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  FANOUT_EXTERNAL_ID: 'fanout-demo-ext',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
};
delete env.AWS_PROFILE;
delete env.AWS_SESSION_TOKEN;

const cli = `${root}dist/src/cli.js`;
const code = await new Promise<number>((resolve) => {
  const child = spawn(process.execPath, [cli, 'run', '--config', `${root}pipeline.config.yaml`], {
    env,
    stdio: 'inherit',
  });
  child.on('exit', (c, signal) => {
    resolve(c ?? (signal === 'SIGINT' ? 130 : 143));
  });
});

const assumed = emulator.record.assumeRoles;
process.stdout.write(
  `\nThe emulator saw ${assumed.length} AssumeRole calls (${assumed.filter((a) => !a.ok).length} refused), ` +
    `${emulator.record.queries.length} Athena queries, at most ${emulator.record.maxActiveQueries} running at once.\n`,
);
const meaning: Record<number, string> = {
  0: 'Exit code 0: every selected account answered every query.',
  1:
    'Exit code 1 (partial): some accounts or queries failed and are listed above with AWS’s own error; ' +
    'the output files hold the rows of every account that answered.',
  2: 'Exit code 2: the configuration is invalid; nothing was sent to AWS.',
  3: 'Exit code 3: nothing succeeded.',
};
process.stdout.write(`${meaning[code] ?? `Exit code ${code}.`}\n`);
await emulator.close();
process.exitCode = code;
