import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** Temp files are hidden siblings of the target so that the final rename never crosses filesystems. */
export function tempPathFor(path: string): string {
  const target = resolve(path);
  const suffix = `${process.pid}-${randomBytes(6).toString('hex')}`;
  return join(dirname(target), `.${basename(target)}.${suffix}.tmp`);
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
  const temp = tempPathFor(target);
  try {
    await write(temp);
    await fsyncPath(temp, 'r+');
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  // The rename is durable only once the directory entry is; not every platform can fsync a directory.
  await fsyncPath(dir, 'r').catch(() => undefined);
}
