import { rmSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBudget } from './memory-budget.js';

const PREFIX = 'athena-fanout-spill-';
let current: Promise<string> | undefined;
// Small results stay in memory up to this much over the run (then spill as large ones do), so that
// 1,000 one-row results cost no files and peak memory stays bounded.
const IN_MEMORY_BYTES = 64 * 1024 * 1024;
let memory: MemoryBudget | undefined;

/** The run's budget for results kept in memory instead of spill files (spillBatches `memory`). */
export function spillMemory(): MemoryBudget {
  return (memory ??= new MemoryBudget(IN_MEMORY_BYTES));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The run's directory for per-unit spill files (`<tmp>/athena-fanout-spill-<pid>-…`), created on first
 * use. Areas left by runs that were killed (their pid is gone) are removed then; this run's own area
 * goes when the process exits, however it exits short of SIGKILL.
 */
export function spillArea(): Promise<string> {
  current ??= (async () => {
    const root = tmpdir();
    for (const name of await readdir(root).catch(() => [] as string[])) {
      const pid = Number(/^athena-fanout-spill-(\d+)-/.exec(name)?.[1]);
      if (pid && pid !== process.pid && !alive(pid)) {
        await rm(join(root, name), { recursive: true, force: true }).catch(() => undefined);
      }
    }
    const dir = await mkdtemp(join(root, `${PREFIX}${process.pid}-`));
    process.once('exit', () => {
      rmSync(dir, { recursive: true, force: true });
    });
    return dir;
  })();
  return current;
}

/** Removes the spill area once the outputs are written; the next run gets a fresh memory budget. */
export async function removeSpillArea(): Promise<void> {
  memory = undefined;
  if (!current) return;
  const dir = await current.catch(() => undefined);
  current = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
}
