import { mkdir, open, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { HEARTBEAT_MS, ownedName, ownerGone } from './file-owner.js';

/** This process's temp files being written: never removed as stale by this process. */
const writing = new Set<string>();

/**
 * Temp files are hidden siblings of the target so that the final rename never crosses filesystems:
 * `.<name>.<ns>-<pid>-<runId>-<random>.tmp` (see file-owner).
 */
export function tempPathFor(path: string): string {
  const target = resolve(path);
  return join(dirname(target), `.${basename(target)}.${ownedName()}.tmp`);
}

/**
 * Removes temp files of `path` left by writers that are over (SIGKILL, power loss, a container gone):
 * known dead in this pid namespace, or untouched for file-owner's LEASE_MS. Temp files of live
 * writers, in any namespace or host, are left alone.
 */
export async function removeStaleTempFiles(path: string): Promise<string[]> {
  const target = resolve(path);
  const dir = dirname(target);
  const prefix = `.${basename(target)}.`;
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp') || writing.has(join(dir, name))) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (!info?.isFile() || !ownerGone(name.slice(prefix.length, -'.tmp'.length), info.mtimeMs)) continue;
    await rm(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

async function fsyncPath(path: string, flags: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Write to a temp name in the target directory (created if missing), fsync, rename into place. On any
 * failure the temp file is removed and an existing final file is left untouched, so the final path
 * never holds a half-written file.
 */
export async function writeFileAtomic(
  path: string,
  write: (tempPath: string) => Promise<void>,
): Promise<void> {
  const target = resolve(path);
  const dir = dirname(target);
  await mkdir(dir, { recursive: true });
  await removeStaleTempFiles(target);
  const temp = tempPathFor(target);
  writing.add(temp);
  // A slow writer keeps its temp file fresh, so that no other run takes it for a dead run's.
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(temp, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    await write(temp);
    await fsyncPath(temp, 'r+');
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  } finally {
    clearInterval(heartbeat);
    writing.delete(temp);
  }
  // The rename is durable only once the directory entry is; not every platform can fsync a directory.
  await fsyncPath(dir, 'r').catch(() => undefined);
}
