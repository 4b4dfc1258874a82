import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { loadConfig, pipelineConfigSchema } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { ENV, lineOf, scratchEach } from './helpers.js';

let dir: string;
let valid: string;
scratchEach((scratch) => ({ dir, valid } = scratch));

describe('finding the config file', () => {
  it('finds pipeline.config.yaml in a parent directory and resolves paths against its directory', async () => {
    // The search climbs no further than the repository root (or home).
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, 'pipeline.config.yaml'), valid);
    const sub = join(dir, 'a', 'b');
    await mkdir(sub, { recursive: true });
    const { config } = await loadConfig({ cwd: sub, env: ENV });
    expect(config.configFile).toBe(join(dir, 'pipeline.config.yaml'));
    expect(config.manifest).toBe(join(dir, 'out/manifest.json'));
  });

  it('prefers the nearest directory, and reads .yml and .json too', async () => {
    const sub = join(dir, 'project');
    await mkdir(sub);
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, 'pipeline.config.yaml'), valid);
    await writeFile(
      join(sub, 'pipeline.config.yml'),
      valid.replace('region: eu-west-1', 'region: us-east-1'),
    );
    expect((await loadConfig({ cwd: sub, env: ENV })).config.region).toBe('us-east-1');

    const jsonDir = join(dir, 'json');
    await mkdir(jsonDir);
    const json = JSON.stringify(
      {
        version: 1,
        region: 'eu-central-1',
        auth: { accountRoleChain: ['arn:aws:iam::<accountId>:role/AthenaReader'] },
        queries: [{ name: 'q', sql: 'SELECT 1', extra: true }],
        sinks: [{ type: 'arrow', path: 'q.arrow' }],
      },
      null,
      2,
    );
    await writeFile(join(jsonDir, 'pipeline.config.json'), json);
    const err: unknown = await loadConfig({ cwd: jsonDir, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    // JSON gets line numbers too.
    expect((err as ConfigError).message).toBe(
      `${join(jsonDir, 'pipeline.config.json')}:${lineOf(json, '"extra"')}:7: queries.0.extra: unknown key "extra"; allowed here: name, sql, workgroup, database, catalog, outputLocation, regions, fetch, unload, schema, timeoutSeconds, encryption, kmsKey, resultReuseMinutes, accounts, parameters, incremental`,
    );
  });

  it('--config wins over a discovered file, relative to cwd', async () => {
    await writeFile(
      join(dir, 'pipeline.config.yaml'),
      valid.replace('region: eu-west-1', 'region: us-west-2'),
    );
    await writeFile(join(dir, 'other.yaml'), valid);
    const { config } = await loadConfig({ cwd: dir, configPath: 'other.yaml', env: ENV });
    expect(config.configFile).toBe(join(dir, 'other.yaml'));
    expect(config.region).toBe('eu-west-1');
  });

  it('no config anywhere names the directories searched and how to give one', async () => {
    const sub = join(dir, 'empty');
    await mkdir(sub);
    await mkdir(join(dir, '.git'));
    const err: unknown = await loadConfig({ cwd: sub, env: ENV }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as ConfigError).message;
    expect(message).toContain('pipeline.config.yaml');
    expect(message).toContain(`${sub}, ${dir}`);
    expect(message).toContain('--config');
  });
});

describe('the zod schema', () => {
  it('converts to a JSON Schema that forbids unknown keys and shows the defaults', () => {
    const schema = z.toJSONSchema(pipelineConfigSchema, { io: 'input' }) as {
      properties: Record<string, { properties?: Record<string, { default?: unknown }> }>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required.sort()).toEqual(['auth', 'queries', 'sinks', 'version']);
    expect(schema.properties.concurrency?.properties?.queries?.default).toBe(16);
    expect(schema.properties.athena?.properties?.workgroup?.default).toBe('primary');
  });
});
