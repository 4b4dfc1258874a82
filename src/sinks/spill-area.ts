import { rmSync } from 'node:fs';
import { mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEARTBEAT_MS, ownedName, ownerGone } from './file-owner.js';
import { MemoryBudget } from './memory-budget.js';

const PREFIX = 'athena-fanout-spill-';
let current: Promise<string> | undefined;
let heartbeat: NodeJS.Timeout | undefined;
// Small results stay in memory up to this much over the run (then spill as large ones do), so that
// 1,000 one-row results cost no files and peak memory stays bounded.
const IN_MEMORY_BYTES = 64 * 1024 * 1024;
let memory: MemoryBudget | undefined;
/** This process's areas not yet removed: never judged stale by this process, removed at exit. */
const live = new Set<string>();
let exitHook = false;

/** The run's budget for results kept in memory instead of spill files (spillBatches `memory`). */
export function spillMemory(): MemoryBudget {
  return (memory ??= new MemoryBudget(IN_MEMORY_BYTES));
}

/** Removes the areas left by runs that are over (see file-owner); a live run's area stays. */
async function removeDeadAreas(root: string): Promise<void> {
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const dir = join(root, name);
    if (!name.startsWith(PREFIX) || live.has(dir)) continue;
    const info = await stat(dir).catch(() => undefined);
    if (info?.isDirectory() && ownerGone(name.slice(PREFIX.length), info.mtimeMs)) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/**
 * The run's directory for per-unit spill files (`<tmp>/athena-fanout-spill-<ns>-<pid>-<runId>-<random>`),
 * created on first use. Areas left by runs that are over are removed then. While the run lives its
 * area is touched every HEARTBEAT_MS; it goes with removeSpillArea, or when the process exits (one
 * exit listener for the whole process, however many runs `schedule` makes).
 */
export function spillArea(): Promise<string> {
  current ??= (async () => {
    const root = tmpdir();
    await removeDeadAreas(root);
    const dir = join(root, `${PREFIX}${ownedName()}`);
    await mkdir(dir, { mode: 0o700 });
    live.add(dir);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const d of live) rmSync(d, { recursive: true, force: true });
      });
    }
    heartbeat = setInterval(() => {
      const now = new Date();
      utimes(dir, now, now).catch(() => undefined);
    }, HEARTBEAT_MS);
    heartbeat.unref();
    return dir;
  })();
  return current;
}

/** Removes the spill area once the outputs are written; the next run gets a fresh memory budget. */
export async function removeSpillArea(): Promise<void> {
  memory = undefined;
  clearInterval(heartbeat);
  heartbeat = undefined;
  if (!current) return;
  const dir = await current.catch(() => undefined);
  current = undefined;
  if (dir) {
    await rm(dir, { recursive: true, force: true });
    live.delete(dir);
  }
}
