import { describe, expect, it } from 'vitest';
import type { PipelineConfig } from '../../src/config/index.js';
import {
  itemsOfShard,
  resolveShard,
  shardManifestPath,
  shardMetricsPath,
  shardStagingRoot,
  sharedRunId,
  unitsOfShard,
} from '../../src/plan/index.js';

const units = Array.from({ length: 103 }, (_, i) => ({
  accountId: String(100000000000 + i * 7919),
  region: 'eu-west-1',
}));

describe('unitsOfShard', () => {
  it('deals every unit to exactly one shard, balanced within one', () => {
    const shards = [0, 1, 2, 3].map((index) => unitsOfShard(units, (u) => u, { index, count: 4 }));
    expect(
      shards
        .flat()
        .map((u) => u.accountId)
        .sort(),
    ).toEqual(units.map((u) => u.accountId).sort());
    const sizes = shards.map((s) => s.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('is stable: the same units in another order give the same split, and region counts', () => {
    const a = unitsOfShard(units, (u) => u, { index: 1, count: 4 });
    const b = unitsOfShard([...units].reverse(), (u) => u, { index: 1, count: 4 });
    expect(b).toEqual(a);
    const inUs = unitsOfShard(
      units.map((u) => ({ ...u, region: 'us-east-1' })),
      (u) => u,
      { index: 1, count: 4 },
    );
    expect(inUs.map((u) => u.accountId)).not.toEqual(a.map((u) => u.accountId));
  });
});

describe('resolveShard', () => {
  it('reads --shard I/N, else the Indexed Job or Batch array index with a count', () => {
    expect(resolveShard('2/4', undefined, {})).toEqual({ index: 2, count: 4 });
    expect(resolveShard(undefined, undefined, {})).toBeUndefined();
    expect(resolveShard(undefined, undefined, { JOB_COMPLETION_INDEX: '3', SHARD_COUNT: '8' })).toEqual({
      index: 3,
      count: 8,
    });
    expect(resolveShard(undefined, '5', { AWS_BATCH_JOB_ARRAY_INDEX: '0' })).toEqual({ index: 0, count: 5 });
  });

  it('refuses an index outside the count, a malformed flag, or an index without a count', () => {
    expect(() => resolveShard('4/4', undefined, {})).toThrow(/not within 0..3/);
    expect(() => resolveShard('1-4', undefined, {})).toThrow(/expected I\/N/);
    expect(() => resolveShard(undefined, undefined, { JOB_COMPLETION_INDEX: '1' })).toThrow(/SHARD_COUNT/);
  });
});

describe('sharedRunId and shard paths', () => {
  it('takes the run id from the flag, the env, or the AWS Batch parent job', () => {
    expect(sharedRunId('abc', {})).toBe('abc');
    expect(sharedRunId(undefined, { ATHENA_FANOUT_RUN_ID: 'nightly-1' })).toBe('nightly-1');
    expect(sharedRunId(undefined, { AWS_BATCH_JOB_ID: 'f00d-1:3' })).toBe('f00d-1');
    expect(() => sharedRunId('a b', {})).toThrow(/run id/);
  });

  it('keeps the shards of an s3:// manifest and their staging on S3, never in a folder named s3:', () => {
    const sink = (path: string) => ({ path }) as PipelineConfig['sinks'][number];
    const manifest = 's3://runs/nightly/manifest.json';
    expect(shardManifestPath(manifest, 'R', { index: 0, count: 2 })).toBe(
      's3://runs/nightly/shards/R/shard-0-of-2.json',
    );
    expect(shardStagingRoot({ manifest, sinks: [sink('out/{query}.parquet')] }, 'R')).toBe(
      's3://runs/nightly/shards/R/staging',
    );
    // Outputs on S3: staged beside them, under the sink's path before any placeholder.
    const lake = {
      manifest: '/local/manifest.json',
      sinks: [sink('out/x.csv'), sink('s3://lake/data/{runDate}/')],
    };
    expect(shardStagingRoot(lake, 'R')).toBe('s3://lake/data/_staging/R');
    expect(shardStagingRoot({ manifest, sinks: [sink('s3://lake/q-{query}.parquet')] }, 'R')).toBe(
      's3://lake/_staging/R',
    );
  });

  it("stages under shards/<runId>/ and names each shard's metrics file after the shard", () => {
    const sink = (path: string) => ({ path }) as PipelineConfig['sinks'][number];
    expect(
      shardStagingRoot({ manifest: '/o/manifest.json', sinks: [sink('out/{query}.parquet')] }, 'R'),
    ).toBe('/o/shards/R/staging');
    expect(shardMetricsPath('/m/athena_fanout.prom', { index: 1, count: 12 })).toBe(
      '/m/athena_fanout.shard-01-of-12.prom',
    );
  });
});

describe('itemsOfShard', () => {
  it('deals (account, region) pairs, keeping all queries of a pair together', () => {
    const items = units.flatMap((u) =>
      ['eu-west-1', 'us-east-1'].flatMap((region) =>
        ['q1', 'q2'].map((query) => ({ accountId: u.accountId, region, query })),
      ),
    );
    const shards = [0, 1, 2].map((index) => itemsOfShard(items, (i) => i, { index, count: 3 }));
    expect(shards.flat()).toHaveLength(items.length);
    const pairShard = new Map<string, number>();
    shards.forEach((s, i) => {
      for (const it of s) {
        const k = `${it.accountId}|${it.region}`;
        expect(pairShard.get(k) ?? i).toBe(i);
        pairShard.set(k, i);
      }
    });
    const sizes = shards.map((s) => s.length / 2);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    // Both regions of one account may land in different shards: the pair is the unit.
    const splitAccounts = units.filter(
      (u) => pairShard.get(`${u.accountId}|eu-west-1`) !== pairShard.get(`${u.accountId}|us-east-1`),
    );
    expect(splitAccounts.length).toBeGreaterThan(0);
  });
});
