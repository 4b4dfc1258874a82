import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator, type ScenarioInput } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import { emulatorEnv, runCli, type CliResult } from './cli.js';
import { EXTERNAL_ID, MEMBERS, orgScenario } from './org-scenario.js';

export interface OrgDir {
  emulator: RunningEmulator;
  /** A fresh working directory (holding `pipeline.config.yaml` when the config was given). */
  dir: string;
  /** Closes the emulator and removes the directory. */
  cleanup: () => Promise<void>;
}

export interface OrgDirOptions {
  /** Defaults to orgScenario(). */
  scenario?: ScenarioInput;
  /** The temp directory's name prefix, so a leftover says which test left it. */
  prefix?: string;
  /** Creates `<dir>/tmp` for the run's spill files (runInOrgDir points TMPDIR there). */
  spill?: boolean;
}

/**
 * Starts the emulator (orgScenario() unless told) and makes a new temp directory, writing `config` there
 * as pipeline.config.yaml when given. `cleanup` closes the emulator and removes the directory.
 */
export async function emulatorDir(opts: OrgDirOptions & { config?: string } = {}): Promise<OrgDir> {
  const emulator = await startEmulator({ scenario: opts.scenario ?? orgScenario() });
  let dir: string | undefined;
  const cleanup = async () => {
    await emulator.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    dir = await mkdtemp(join(tmpdir(), opts.prefix ?? 'fanout-e2e-'));
    if (opts.spill) await mkdir(join(dir, 'tmp'));
    if (opts.config !== undefined) await writeFile(join(dir, 'pipeline.config.yaml'), opts.config);
    return { emulator, dir, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Starts the emulator and writes `config` as pipeline.config.yaml into a new temp directory. */
export async function orgDir(config: string, opts: OrgDirOptions = {}): Promise<OrgDir> {
  return emulatorDir({ ...opts, config });
}

export interface OrgRun extends OrgDir {
  result: CliResult;
  manifest: Manifest;
}

/**
 * orgDir(), then one `run` of the built CLI there with FANOUT_EXTERNAL_ID set (and `env` on top), and
 * the manifest it wrote to out/manifest.json.
 */
export async function runInOrgDir(
  config: string,
  opts: OrgDirOptions & { env?: Record<string, string> } = {},
): Promise<OrgRun> {
  const setup = await orgDir(config, opts);
  const { emulator, dir } = setup;
  try {
    const result = await runCli(['run'], {
      cwd: dir,
      env: emulatorEnv(emulator, {
        FANOUT_EXTERNAL_ID: EXTERNAL_ID,
        ...(opts.spill ? { TMPDIR: join(dir, 'tmp') } : {}),
        ...opts.env,
      }),
    });
    return { ...setup, result, manifest: await readManifest(dir) };
  } catch (err) {
    await setup.cleanup();
    throw err;
  }
}

export async function readManifest(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(dir, 'out/manifest.json'), 'utf8')) as Manifest;
}

export interface SingleAndSharded {
  emulator: RunningEmulator;
  /** The environment every run of the pair uses. */
  env: NodeJS.ProcessEnv;
  /** The directory of the one unsharded run, already run (`singleRun`). */
  single: string;
  /** The directory the shards are to run in. */
  sharded: string;
  singleRun: CliResult;
  cleanup: () => Promise<void>;
}

/**
 * For comparing sharded runs with one unsharded run: orgScenario() where one member's table has a
 * column the others lack (so the shards' schemas differ and the run's schema is their union), a
 * directory for each side with its config, and the unsharded run done.
 */
export async function singleAndSharded(
  configs: { single: string; sharded: string },
  prefix: string,
): Promise<SingleAndSharded> {
  const scenario = orgScenario();
  scenario.data = {
    ...scenario.data,
    [MEMBERS[3]!]: ['ALTER TABLE inventory.inventory ADD COLUMN extra INTEGER DEFAULT 7'],
  };
  const emulator = await startEmulator({ scenario });
  const env = emulatorEnv(emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID });
  const dirs: string[] = [];
  const cleanup = async () => {
    await emulator.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  };
  try {
    const single = await mkdtemp(join(tmpdir(), `${prefix}single-`));
    dirs.push(single);
    const sharded = await mkdtemp(join(tmpdir(), `${prefix}sharded-`));
    dirs.push(sharded);
    await writeFile(join(single, 'pipeline.config.yaml'), configs.single);
    await writeFile(join(sharded, 'pipeline.config.yaml'), configs.sharded);
    const singleRun = await runCli(['run'], { cwd: single, env });
    return { emulator, env, single, sharded, singleRun, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
