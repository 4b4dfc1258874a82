import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { journalPath, readPriorExecutions, RunJournal, unitKey } from '../../src/run/run-journal.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-journal-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const unit = (accountId: string, query: string, ids: string[]) => ({
  accountId,
  region: 'eu-west-1',
  query,
  state: 'cancelled',
  attempts: ids.length,
  queryExecutionIds: ids,
  rows: 0,
});

describe('run journal', () => {
  it('of an s3:// manifest is kept on local disk under TMPDIR, never in a folder named s3:', () => {
    const path = journalPath('s3://runs/nightly/manifest.json', 'r1', { index: 1, count: 4 });
    expect(path).toBe(
      join(tmpdir(), 'athena-fanout', 'journal', 'runs', 'nightly', 'r1', 'shard-1-of-4.ndjson'),
    );
  });

  it('records executions, synced, and reads them back with the first start', async () => {
    const manifest = join(dir, 'out/manifest.json');
    const path = journalPath(manifest, 'r1');
    const j = new RunJournal(path, { runId: 'r1', startedAt: '2026-01-02T03:04:05.000Z', nonce: 'n1' });
    j.record({
      accountId: 'a',
      region: 'eu-west-1',
      query: 'q',
      attempt: 1,
      queryExecutionId: 'e1',
      how: 'started',
    });
    j.record({
      accountId: 'a',
      region: 'eu-west-1',
      query: 'q',
      attempt: 2,
      queryExecutionId: 'e2',
      how: 'started',
    });
    await j.close();
    // A crash mid-write leaves a torn last line: skipped.
    await writeFile(path, `${await readFile(path, 'utf8')}{"v":1,"kind":"execu`);
    const prior = await readPriorExecutions(manifest, 'r1');
    expect(prior.byUnit.get(unitKey('a', 'eu-west-1', 'q'))).toEqual(['e1', 'e2']);
    expect(prior.startedAt?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(prior.sources).toEqual([path]);
  });

  it('joins the manifest and shard manifests of the same run id, ignores another run id', async () => {
    const manifest = join(dir, 'out/manifest.json');
    await mkdir(join(dir, 'out/shards/r2'), { recursive: true });
    await writeFile(manifest, JSON.stringify({ runId: 'other', units: [unit('a', 'q', ['x'])] }));
    await writeFile(
      join(dir, 'out/shards/r2/shard-0-of-2.json'),
      JSON.stringify({ runId: 'r2', startedAt: '2026-01-01T00:00:00.000Z', units: [unit('a', 'q', ['s0'])] }),
    );
    await writeFile(join(dir, 'out/shards/r2/shard-1-of-2.json'), '{ not json');
    const prior = await readPriorExecutions(manifest, 'r2', { index: 0, count: 2 });
    expect([...prior.byUnit]).toEqual([[unitKey('a', 'eu-west-1', 'q'), ['s0']]]);
    expect(prior.startedAt?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(prior.unreadable).toEqual([join(dir, 'out/shards/r2/shard-1-of-2.json')]);
    expect((await readPriorExecutions(manifest, 'new-run')).byUnit.size).toBe(0);
  });

  it('leaves no file when nothing was recorded, and removes its file and empty directories', async () => {
    const manifest = join(dir, 'out/manifest.json');
    const path = journalPath(manifest, 'r3', { index: 1, count: 4 });
    expect(path).toBe(join(dir, 'out/journal/r3/shard-1-of-4.ndjson'));
    const empty = new RunJournal(path, { runId: 'r3', startedAt: new Date().toISOString(), nonce: 'n' });
    await empty.close();
    expect(await readdir(dir)).toEqual([]);
    await mkdir(join(dir, 'out'));
    const j = new RunJournal(path, { runId: 'r3', startedAt: new Date().toISOString(), nonce: 'n' });
    j.record({ accountId: 'a', region: 'r', query: 'q', attempt: 0, queryExecutionId: 'e', how: 'reused' });
    await j.flush();
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(2);
    await j.remove();
    expect(await readdir(join(dir, 'out'))).toEqual([]);
  });
});
