import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/index.js';
import { watermarkLocation } from '../../src/datasets/index.js';
import { repoRoot } from '../helpers/cli.js';

describe('examples/incremental/pipeline.config.yaml', () => {
  it('is a valid config: an incremental query and an append dataset whose state sits beside it', async () => {
    const text = await readFile(`${repoRoot}examples/incremental/pipeline.config.yaml`, 'utf8');
    const result = parseConfig(parse(text), { source: text, env: { FANOUT_EXTERNAL_ID: 'ext-123456' } });
    expect(result.ok ? [] : result.issues).toEqual([]);
    if (!result.ok) return;
    expect(result.config.queries[0]!.incremental).toEqual({
      column: 'eventtime',
      initial: '2026-11-01T00:00:00.000Z',
    });
    expect(result.config.sinks[0]!.append).toEqual({ partitionBy: 'runDate', retention: 90 });
    expect(watermarkLocation(result.config.sinks, 'events')).toBe(
      's3://fanout-lake-123456789012/cloudtrail/_state/events.json',
    );
  });
});
