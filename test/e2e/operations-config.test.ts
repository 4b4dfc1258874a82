import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const env = { PATH: process.env.PATH, HOME: process.env.HOME, FANOUT_EXTERNAL_ID: 'ext-123456' };

describe('athena-fanout init and validate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fanout-init-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a commented starter config that validates and points at the JSON Schema', async () => {
    const init = await runCli(['init'], { cwd: dir, env });
    expect(init.code, init.stderr).toBe(0);
    const text = await readFile(join(dir, 'pipeline.config.yaml'), 'utf8');
    const ref = /^# yaml-language-server: \$schema=(.+)$/m.exec(text)?.[1];
    expect(ref).toBeDefined();
    expect(existsSync(resolve(dir, ref!))).toBe(true);
    expect(text.split('\n').filter((l) => l.trim().startsWith('#')).length).toBeGreaterThan(15);
    const validate = await runCli(['validate'], { cwd: dir, env });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/is valid: 1 queries, 1 sinks/);
  });

  it('refuses to overwrite an existing file unless --force', async () => {
    await writeFile(join(dir, 'pipeline.config.yaml'), 'mine\n');
    const again = await runCli(['init'], { cwd: dir, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists: pass --force/);
    expect(await readFile(join(dir, 'pipeline.config.yaml'), 'utf8')).toBe('mine\n');
    const forced = await runCli(['init', '--force'], { cwd: dir, env });
    expect(forced.code).toBe(0);
    expect(await readFile(join(dir, 'pipeline.config.yaml'), 'utf8')).toMatch(/^# yaml-language-server/);
  });

  it('refuses an unknown log level as a usage error (exit 2)', async () => {
    const result = await runCli(['run'], { cwd: dir, env: { ...env, LOG_LEVEL: 'verbose' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown log level "verbose".*trace, debug, info/);
  });

  it('validate reports every error at once, each with file:line:column', async () => {
    const starter = await readFile(join(dir, 'pipeline.config.yaml'), 'utf8');
    const broken = starter
      .replace('region: us-east-1', 'region: mars-1')
      .replace('queries: 16', 'queries: -3')
      .replace("#   cron: '0 2 * * *'", "  cron: 'every tuesday'")
      .replace('# schedule:', 'schedule:');
    const file = join(dir, 'broken.yaml');
    await writeFile(file, broken);
    const result = await runCli(['validate', '--config', file], { cwd: dirname(file), env });
    expect(result.code).toBe(2);
    const line = (needle: string) => broken.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(result.stderr).toContain(`${file}:${line('mars-1')}:`);
    expect(result.stderr).toContain(`${file}:${line('queries: -3')}:`);
    expect(result.stderr).toMatch(
      new RegExp(`${file}:${line('every tuesday')}:\\d+: schedule.cron: not a cron expression`),
    );
  });
});
