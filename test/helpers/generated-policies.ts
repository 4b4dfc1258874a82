import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator } from '@athena-fanout/emulator';
import type { PolicyDocument } from '../../src/plan/index.js';
import { catalogOrgScenario } from './catalog-org.js';
import { emulatorEnv, runCli, type CliResult } from './cli.js';

/** The files `iam-policy --out` writes for catalogOrgScenario()'s chains, by who holds them. */
export const POLICY_FILES = {
  identity: 'base-identity.permissions.json',
  OrgHub: 'master-0-OrgHub.permissions.json',
  AthenaReader: 'account-0-AthenaReader.permissions.json',
} as const;
export type PolicyHolder = keyof typeof POLICY_FILES;

/**
 * `iam-policy --discover --out iam` for the config in `dir`, against catalogOrgScenario() with no
 * policies yet (the policies are generated before they exist), and the documents it wrote.
 */
export async function discoverPolicies(
  dir: string,
): Promise<{ run: CliResult; policies: Record<PolicyHolder, PolicyDocument> }> {
  const open = await startEmulator({ scenario: catalogOrgScenario() });
  let run: CliResult;
  try {
    run = await runCli(['iam-policy', '--discover', '--out', 'iam'], { cwd: dir, env: emulatorEnv(open) });
  } finally {
    await open.close();
  }
  if (run.code !== 0) throw new Error(`iam-policy --discover: ${run.code}\n${run.stderr}`);
  const read = async (f: string) => JSON.parse(await readFile(join(dir, 'iam', f), 'utf8')) as PolicyDocument;
  return {
    run,
    policies: {
      identity: await read(POLICY_FILES.identity),
      OrgHub: await read(POLICY_FILES.OrgHub),
      AthenaReader: await read(POLICY_FILES.AthenaReader),
    },
  };
}
