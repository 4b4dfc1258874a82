import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FanoutError } from '../../src/errors.js';
import { removeStaleTempFiles, writeFileAtomic, writeJsonAtomic } from '../../src/sinks/index.js';
import { tempPathFor } from '../../src/sinks/write-file-atomic.js';
import { listDir, tempDir } from '../helpers/arrow-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

describe('writeFileAtomic', () => {
  it('writes through a temp file in the target directory (created if missing) and renames it into place', async () => {
    const path = join(dir, 'a', 'b', 'out.txt');
    let tempSeen = '';
    await writeFileAtomic(path, async (temp) => {
      tempSeen = temp;
      expect(dirname(temp)).toBe(dirname(path));
      await writeFile(temp, 'half');
      // Mid-write, the final path does not exist yet.
      expect(existsSync(path)).toBe(false);
      await writeFile(temp, 'complete', { flag: 'a' });
    });
    expect(await readFile(path, 'utf8')).toBe('halfcomplete');
    expect(existsSync(tempSeen)).toBe(false);
    expect(await listDir(dirname(path))).toEqual(['out.txt']);
  });

  it('removes the temp file and creates no final file when the writer throws midway', async () => {
    const path = join(dir, 'out.txt');
    const boom = new Error('disk full');
    await expect(
      writeFileAtomic(path, async (temp) => {
        await writeFile(temp, 'partial');
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await listDir(dir)).toEqual([]);
  });

  it('leaves an existing final file untouched while writing and after a failed rewrite', async () => {
    const path = join(dir, 'out.txt');
    await writeFile(path, 'old');
    await expect(
      writeFileAtomic(path, async (temp) => {
        await writeFile(temp, 'new but unfinished');
        expect(await readFile(path, 'utf8')).toBe('old');
        throw new Error('interrupted');
      }),
    ).rejects.toThrow('interrupted');
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await listDir(dir)).toEqual(['out.txt']);
  });

  it('fails, without touching the target, when the writer produced no file', async () => {
    const path = join(dir, 'out.txt');
    await expect(writeFileAtomic(path, () => Promise.resolve())).rejects.toThrow(/ENOENT/);
    expect(await listDir(dir)).toEqual([]);
  });
});

describe('writeJsonAtomic', () => {
  it('writes pretty JSON with a trailing newline, replacing the previous file', async () => {
    const path = join(dir, 'out', 'manifest.json');
    await writeJsonAtomic(path, { manifestVersion: 1, status: 'partial' });
    await writeJsonAtomic(path, { manifestVersion: 1, status: 'succeeded', rows: 9007199254740993n });
    const text = await readFile(path, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({ manifestVersion: 1, status: 'succeeded', rows: '9007199254740993' });
    expect(await listDir(dirname(path))).toEqual(['manifest.json']);
  });

  it('reports an unwritable target as a FanoutError naming the path, leaving no temp file', async () => {
    const blocker = join(dir, 'blocker');
    await writeFile(blocker, 'a file, not a directory');
    const path = join(blocker, 'manifest.json');
    const err: unknown = await writeJsonAtomic(path, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FanoutError);
    expect((err as FanoutError).message).toContain(path);
    expect((err as FanoutError).context).toMatchObject({ stage: 'manifest', path });
    expect(await listDir(dir)).toEqual(['blocker']);
  });
});

describe('removeStaleTempFiles', () => {
  it('removes temp files of dead writers only, never a live writer’s or another file’s', async () => {
    const path = join(dir, 'out.parquet');
    // Linux pids never exceed 2^22 (the pid_max ceiling), so 2^22 + 1 cannot be a live writer.
    const dead = 4194305;
    expect(() => process.kill(dead, 0)).toThrow();
    // Names as this process's writers make them (same pid namespace), with another writer's pid.
    const ours = basename(tempPathFor(path));
    const named = (pid: number) => ours.replace(`-${process.pid}-`, `-${pid}-`);
    const names = [
      named(dead),
      named(process.ppid),
      named(dead).replace('.out.parquet.', '.other.parquet.'),
      'out.parquet',
    ];
    for (const n of names) await writeFile(join(dir, n), 'x');
    expect(await removeStaleTempFiles(path)).toEqual([named(dead)]);
    expect(await listDir(dir)).toEqual(names.slice(1).sort());
  });
});
