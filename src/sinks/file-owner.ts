import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';

/**
 * Who owns a temp or spill file, written into its name so that another run can tell a dead run's
 * leftovers from a live run's files without trusting a bare pid: in a container every run may be
 * pid 7, and two containers sharing a volume each have their own pid 7.
 *
 * A name carries `<ns>-<pid>-<run>-<random>`: `ns` a short hash of the kernel's boot id and the pid
 * namespace, `pid` the process id in that namespace, `run` the run id (made safe for a file name),
 * then a random part. The owner is known dead only when it lived in this very pid namespace of this
 * very boot and its pid no longer runs (or is now ours). Otherwise the file is judged by age: its
 * owner touches it every `HEARTBEAT_MS` while it lives, so one untouched for `LEASE_MS` is a dead
 * run's. A live run's files are never removed, whoever looks.
 */

/** How often a live owner touches its files. */
export const HEARTBEAT_MS = 30_000;
/** A file of another pid namespace (or host) untouched this long belongs to a dead run. */
export const LEASE_MS = 5 * 60_000;

const UNKNOWN_NS = '00000000';
let runLabel = 'run';

function namespaceTag(): string {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const ns = readlinkSync('/proc/self/ns/pid');
    return createHash('sha256').update(`${boot}\n${ns}`).digest('hex').slice(0, 8);
  } catch {
    return UNKNOWN_NS; // not Linux: no namespace to compare, age alone decides
  }
}

const OWN_NS = namespaceTag();

/** Names this process's files after `runId` from now on (the next run of `schedule` sets its own). */
export function setRunLabel(runId: string): void {
  runLabel = runId.replace(/[^\w.-]+/g, '_').slice(0, 48) || 'run';
}

/** `<ns>-<pid>-<run>-<random>`: this process's owner tag with a fresh random part. */
export function ownedName(): string {
  return `${OWN_NS}-${process.pid}-${runLabel}-${randomBytes(6).toString('hex')}`;
}

const OWNED = /^([0-9a-f]{8})-(\d+)-[\w.-]*-[0-9a-f]{12}$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the file named with `owned` (the part `ownedName` made; anything else, such as an older
 * version's name, is judged by age), last touched at `mtimeMs`, belongs to a run that is over. The
 * caller leaves out its own live files.
 */
export function ownerGone(owned: string, mtimeMs: number, now = Date.now()): boolean {
  const m = OWNED.exec(owned);
  if (m && m[1] === OWN_NS && OWN_NS !== UNKNOWN_NS) {
    const pid = Number(m[2]);
    // Our own pid on a file that is not one of our live ones: an earlier process that had it.
    return pid === process.pid || !alive(pid);
  }
  return now - mtimeMs > LEASE_MS;
}
