import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRunHistory } from '../../src/report/index.js';
import { fixtureManifest, fullUnit } from './fixture-manifest.js';

let dir: string;
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(runId: string, startedAt: string) {
  return fixtureManifest([fullUnit('200000000001')], { runId, startedAt });
}

describe('readRunHistory', () => {
  it('takes the whole-run manifests beside this one, oldest first, and passes over the rest', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fanout-history-'));
    const current = run('r3', '2026-01-03T02:00:00.000Z');
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(current));
    await writeFile(join(dir, 'r1.json'), JSON.stringify(run('r1', '2026-01-01T02:00:00.000Z')));
    await writeFile(join(dir, 'r2.json'), JSON.stringify(run('r2', '2026-01-02T02:00:00.000Z')));
    // A copy of this run, a shard's manifest, other JSON, broken JSON, a folder: none is another run.
    await writeFile(join(dir, 'copy.json'), JSON.stringify(current));
    await writeFile(
      join(dir, 'shard.json'),
      JSON.stringify({ ...run('r0', '2025-12-31T02:00:00.000Z'), shard: { index: 0, count: 2 } }),
    );
    await writeFile(join(dir, 'other.json'), '{"manifestVersion": 2}');
    await writeFile(join(dir, 'broken.json'), '{');
    await mkdir(join(dir, 'journal.json'));
    const { runs, source } = await readRunHistory(current, join(dir, 'manifest.json'));
    expect(source).toBe(dir);
    expect(runs.map((r) => r.runId)).toEqual(['r1', 'r2', 'r3']);
    expect(runs[2]).toMatchObject({ status: 'succeeded', units: 1, failed: 0, durationMs: 6000 });
  });

  it('reads --history as a directory or a glob', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fanout-history-'));
    await mkdir(join(dir, 'history'));
    await writeFile(join(dir, 'history/a.json'), JSON.stringify(run('a', '2026-01-01T02:00:00.000Z')));
    await writeFile(join(dir, 'history/b.json'), JSON.stringify(run('b', '2026-01-02T02:00:00.000Z')));
    const current = run('c', '2026-01-03T02:00:00.000Z');
    const manifest = join(dir, 'manifest.json');
    const byDir = await readRunHistory(current, manifest, join(dir, 'history'));
    expect(byDir.runs.map((r) => r.runId)).toEqual(['a', 'b', 'c']);
    const byGlob = await readRunHistory(current, manifest, join(dir, 'history/b*.json'));
    expect(byGlob.runs.map((r) => r.runId)).toEqual(['b', 'c']);
  });
});
