import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect } from 'vitest';
import { loadConfig, type LoadedConfig } from '../../src/config/index.js';
import { ConfigError, type ConfigIssue } from '../../src/errors.js';

export const FIXTURE = fileURLToPath(new URL('./fixtures/pipeline.config.yaml', import.meta.url));
export const ENV = { FANOUT_EXTERNAL_ID: 'ext-secret-42' };

export async function fixtureText(): Promise<string> {
  return readFile(FIXTURE, 'utf8');
}

/** A scratch directory per test; `dispose` removes it. */
export async function scratchDir(): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'fanout-config-test-'));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Per test: a scratch directory, removed after it, and the valid fixture's text, handed to `use` before
 * each test (the preamble of the config tests).
 */
export function scratchEach(use: (scratch: { dir: string; valid: string }) => void): void {
  let dispose: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const scratch = await scratchDir();
    dispose = scratch.dispose;
    use({ dir: scratch.dir, valid: await fixtureText() });
  });
  afterEach(() => dispose?.());
}

/** Writes `yaml` as a config file in `dir` and loads it as `--config` would. */
export async function loadText(
  dir: string,
  yaml: string,
  env: Record<string, string | undefined> = ENV,
  name = 'pipeline.config.yaml',
): Promise<LoadedConfig & { file: string }> {
  const file = join(dir, name);
  await writeFile(file, yaml);
  return { ...(await loadConfig({ configPath: file, env })), file };
}

export async function configErrorFor(
  dir: string,
  yaml: string,
  env: Record<string, string | undefined> = ENV,
): Promise<ConfigError> {
  const file = join(dir, 'broken.yaml');
  await writeFile(file, yaml);
  const err: unknown = await loadConfig({ configPath: file, env }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  const configError = err as ConfigError;
  // The CLI prints the message: it must say which file, for every issue.
  for (const line of configError.message.split('\n')) expect(line.startsWith(file)).toBe(true);
  return configError;
}

export function issueAt(err: ConfigError, path: string): ConfigIssue {
  const found = err.issues.find((i) => i.path === path);
  expect(found, `no issue at ${path}; got:\n${err.message}`).toBeDefined();
  return found!;
}

/** 1-based line of the first line containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  expect(index, `"${needle}" not in the text`).toBeGreaterThanOrEqual(0);
  return index + 1;
}

/** `text` with `from` replaced, failing loudly if `from` is not there (so a case cannot pass vacuously). */
export function edit(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, () => to);
  expect(out, `edit found nothing to replace for ${String(from)}`).not.toBe(text);
  return out;
}
