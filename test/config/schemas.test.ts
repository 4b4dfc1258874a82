import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { configJsonSchemaText } from '../../src/config/json-schema.js';
import { repoRoot } from '../helpers/cli.js';

describe('docs/pipeline.schema.json', () => {
  it('matches the zod config schema (run `npm run schemas` after changing the config schema)', async () => {
    const onDisk = await readFile(`${repoRoot}docs/pipeline.schema.json`, 'utf8');
    expect(onDisk, 'docs/pipeline.schema.json is stale: run `npm run schemas`').toBe(configJsonSchemaText());
  });

  it('is referenced from the example config with a yaml-language-server comment', async () => {
    const example = await readFile(`${repoRoot}pipeline.config.yaml`, 'utf8');
    expect(example.split('\n')[0]).toBe('# yaml-language-server: $schema=./docs/pipeline.schema.json');
  });
});

describe('docs/manifest.schema.json', () => {
  const schema = async () =>
    z.fromJSONSchema(
      JSON.parse(
        await readFile(`${repoRoot}docs/manifest.schema.json`, 'utf8'),
      ) as z.core.JSONSchema.JSONSchema,
    );

  it('rejects a manifest with an undocumented field or a wrong type (the check can fail)', async () => {
    const s = await schema();
    const base = {
      manifestVersion: 1,
      runId: 'r',
      status: 'succeeded',
      exitCode: 0,
      interrupted: false,
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:00:01.000Z',
      durationMs: 1000,
      region: 'eu-west-1',
      accounts: { discovered: 0, selected: 0, skipped: [] },
      units: [],
      outputs: [],
      totals: { units: 0, succeeded: 0, failed: 0, cancelled: 0, rows: 0, dataScannedInBytes: 0 },
      warnings: [],
    };
    expect(s.safeParse(base).success).toBe(true);
    expect(s.safeParse({ ...base, surprise: 1 }).success).toBe(false);
    expect(s.safeParse({ ...base, status: 'ok' }).success).toBe(false);
    expect(s.safeParse({ ...base, accounts: { ...base.accounts, managementAccountId: '12' } }).success).toBe(
      false,
    );
  });
});
