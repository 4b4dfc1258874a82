import { utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LEASE_MS, ownedName, ownerGone } from '../../src/sinks/file-owner.js';
import { removeStaleTempFiles } from '../../src/sinks/index.js';
import { tempPathFor } from '../../src/sinks/write-file-atomic.js';
import { listDir, tempDir } from '../helpers/arrow-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

/** The namespace tag of this process's names, and one that is surely another namespace's. */
const ownNs = ownedName().slice(0, 8);
const otherNs = ownNs === 'ffffffff' ? 'eeeeeeee' : 'ffffffff';

describe('file ownership (temp and spill names)', () => {
  it('names files with the namespace, the pid, the run id and a random part', () => {
    expect(basename(tempPathFor(join(dir, 'q.parquet')))).toMatch(
      new RegExp(`^\\.q\\.parquet\\.${ownNs}-${process.pid}-[\\w.-]+-[0-9a-f]{12}\\.tmp$`),
    );
    expect(ownedName()).not.toBe(ownedName());
  });

  it('never takes a live run of another pid namespace for a dead one, whatever its pid, until its lease ends', () => {
    const now = Date.now();
    // Every container's run is pid 7 (or 1): the pid says nothing across namespaces.
    for (const pid of [1, 7, process.pid, 4194305]) {
      const name = `${otherNs}-${pid}-nightly-2026-01-01-0a1b2c3d4e5f`;
      expect(ownerGone(name, now - 1000, now)).toBe(false);
      expect(ownerGone(name, now - LEASE_MS - 1000, now)).toBe(true);
    }
  });

  it('in its own pid namespace, knows a dead owner at once and a live one as live', () => {
    const now = Date.now();
    expect(ownerGone(`${ownNs}-4194305-r-0a1b2c3d4e5f`, now, now)).toBe(true);
    expect(ownerGone(`${ownNs}-${process.ppid}-r-0a1b2c3d4e5f`, now - 10 * LEASE_MS, now)).toBe(false);
  });

  it('removes another namespace’s temp file only once it is older than the lease', async () => {
    const path = join(dir, 'out.parquet');
    const name = `.out.parquet.${otherNs}-7-nightly-0a1b2c3d4e5f.tmp`;
    await writeFile(join(dir, name), 'x');
    expect(await removeStaleTempFiles(path)).toEqual([]);
    const old = new Date(Date.now() - LEASE_MS - 60_000);
    await utimes(join(dir, name), old, old);
    expect(await removeStaleTempFiles(path)).toEqual([name]);
    expect(await listDir(dir)).toEqual([]);
  });
});
