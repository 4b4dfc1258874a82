import { mkdir, open, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isS3Location, joinLocation } from '../aws/index.js';
import type { Manifest } from '../manifest.js';
import { listRunDocuments, readRunDocument } from '../sinks/index.js';
import { type Shard, shardDir, shardLabel, shardManifestPath } from '../plan/index.js';

/**
 * A run's execution journal: one NDJSON file per process slice of a run id (`run.ndjson`, or
 * `shard-I-of-N.ndjson`) under `<manifest dir>/journal/<runId>/`. Every execution a unit starts (or
 * takes over from an earlier attempt) is appended, and synced, as soon as Athena has given its id, so
 * that a process started again with the same run id learns what an earlier one did even when that one
 * was killed (SIGKILL, OOM, a lost node) before it could write its manifest. The file is removed once
 * the manifest, which records the same executions, has been written: it only outlives a process that
 * died before that.
 *
 * Lines (one JSON object each; a torn last line, from a crash mid-write, is skipped):
 * - `{"v":1,"kind":"attempt","runId","startedAt","nonce","pid","shard"?}`: a process began writing;
 * - `{"v":1,"kind":"execution","accountId","region","query","attempt","queryExecutionId","how"}`:
 *   `how` is `started`, or `reused` / `attached` for an earlier attempt's execution taken over.
 */
export interface JournalExecution {
  accountId: string;
  region: string;
  query: string;
  /** The unit's attempt in this process (0 for an execution taken over from an earlier process). */
  attempt: number;
  queryExecutionId: string;
  how: 'started' | 'reused' | 'attached';
}

export interface JournalAttempt {
  runId: string;
  startedAt: string;
  /** The process's token nonce (see clientRequestToken). */
  nonce: string;
  shard?: Shard;
}

/** What earlier attempts of a run id recorded: each unit's execution ids, and when the run first started. */
export interface PriorExecutions {
  /** By `unitKey`: the ids in the order found (their state, and so which one counts, comes from Athena). */
  byUnit: Map<string, string[]>;
  /** The earliest start of this run (or shard) an earlier attempt recorded: the `{{runDate}}` to keep. */
  startedAt?: Date;
  /** The files the executions were read from. */
  sources: string[];
  /** Files that exist but could not be read or parsed. */
  unreadable: string[];
}

export function unitKey(accountId: string, region: string, query: string): string {
  return `${accountId}|${region}|${query}`;
}

/**
 * Beside the manifest; with the manifest on S3 (which cannot be appended to and synced line by line),
 * on local disk under `$TMPDIR/athena-fanout/journal/<bucket>/<manifest's prefix>/<runId>/`: it then
 * serves a process started again on the same machine (a restarted container with the same volume),
 * while a new machine resumes from the manifests on S3.
 */
export function journalDir(manifest: string, runId: string): string {
  if (!isS3Location(manifest)) return join(dirname(manifest), 'journal', runId);
  const where = dirname(manifest.slice('s3://'.length)).split('/').map(encodeURIComponent);
  return join(tmpdir(), 'athena-fanout', 'journal', ...where, runId);
}

export function journalPath(manifest: string, runId: string, shard?: Shard): string {
  return join(journalDir(manifest, runId), `${shard ? shardLabel(shard) : 'run'}.ndjson`);
}

/**
 * Every execution earlier attempts of `runId` recorded: the run's manifest and every shard manifest of
 * the run (when their runId is this one), and every journal file of the run. Reads only local files;
 * what Athena says about the executions is asked unit by unit.
 */
export async function readPriorExecutions(
  manifest: string,
  runId: string,
  shard?: Shard,
  /** The region of the S3 client when the manifest is on S3. */
  region = 'us-east-1',
): Promise<PriorExecutions> {
  const prior: PriorExecutions = { byUnit: new Map(), sources: [], unreadable: [] };
  const own = shard ? shardManifestPath(manifest, runId, shard) : manifest;
  const add = (accountId: string, region: string | undefined, query: string, id: string) => {
    const key = unitKey(accountId, region ?? '', query);
    const ids = prior.byUnit.get(key) ?? [];
    if (!ids.includes(id)) ids.push(id);
    prior.byUnit.set(key, ids);
  };
  const started = (at: string | undefined) => {
    const t = at === undefined ? NaN : Date.parse(at);
    if (!Number.isNaN(t) && (prior.startedAt === undefined || t < prior.startedAt.getTime())) {
      prior.startedAt = new Date(t);
    }
  };
  const shardManifests = (await listRunDocuments(shardDir(manifest, runId), region).catch(() => []))
    .filter((n) => /^shard-\d+-of-\d+\.json$/.test(n))
    .map((n) => joinLocation(shardDir(manifest, runId), n));
  for (const path of [manifest, ...shardManifests.filter((p) => p !== manifest)]) {
    const text = await readRunDocument(path, region).catch(() => undefined);
    if (text === undefined) continue;
    let m: Partial<Manifest>;
    try {
      m = JSON.parse(text) as Partial<Manifest>;
    } catch {
      prior.unreadable.push(path);
      continue;
    }
    if (m.runId !== runId || !Array.isArray(m.units)) continue;
    prior.sources.push(path);
    if (path === own) started(m.startedAt);
    for (const u of m.units) for (const id of u.queryExecutionIds) add(u.accountId, u.region, u.query, id);
  }
  const ownJournal = journalPath(manifest, runId, shard);
  const dir = journalDir(manifest, runId);
  for (const name of (await names(dir)).filter((n) => n.endsWith('.ndjson')).sort()) {
    const path = join(dir, name);
    const text = await readText(path);
    if (text === undefined) continue;
    prior.sources.push(path);
    for (const line of text.split('\n')) {
      const entry = parseLine(line);
      if (entry?.kind === 'execution')
        add(entry.accountId, entry.region, entry.query, entry.queryExecutionId);
      else if (entry?.kind === 'attempt' && path === ownJournal && entry.runId === runId)
        started(entry.startedAt);
    }
  }
  return prior;
}

type JournalLine = ({ kind: 'attempt' } & JournalAttempt) | ({ kind: 'execution' } & JournalExecution);

function parseLine(line: string): JournalLine | undefined {
  if (line.trim() === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined; // torn by a crash mid-write
  }
  const e = v as Partial<JournalExecution & JournalAttempt & { kind: string }>;
  if (
    e.kind === 'execution' &&
    typeof e.accountId === 'string' &&
    typeof e.region === 'string' &&
    typeof e.query === 'string' &&
    typeof e.queryExecutionId === 'string'
  ) {
    return e as JournalLine;
  }
  if (e.kind === 'attempt' && typeof e.runId === 'string') return e as JournalLine;
  return undefined;
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Appends this process's executions to its journal file, each synced to disk before the next is
 * written, in the order recorded. Created on the first execution (a run that starts no query leaves
 * no file). A write that fails is reported once through `onError`; the run goes on (it then depends on
 * its manifest to be resumed).
 */
export class RunJournal {
  private handle: Promise<FileHandle> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failed = false;

  constructor(
    readonly path: string,
    private readonly attempt: JournalAttempt,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  record(e: JournalExecution): void {
    const line = `${JSON.stringify({ v: 1, kind: 'execution', ...e })}\n`;
    this.chain = this.chain.then(async () => {
      try {
        const fh = await (this.handle ??= this.create());
        await fh.write(line);
        await fh.datasync();
      } catch (err) {
        if (!this.failed) this.onError(err);
        this.failed = true;
      }
    });
  }

  private async create(): Promise<FileHandle> {
    await mkdir(dirname(this.path), { recursive: true });
    const fh = await open(this.path, 'a');
    const header = { v: 1, kind: 'attempt', ...this.attempt, pid: process.pid };
    await fh.write(`${JSON.stringify(header)}\n`);
    return fh;
  }

  /** Every execution recorded so far is on disk (or reported as failed). */
  async flush(): Promise<void> {
    await this.chain;
  }

  async close(): Promise<void> {
    await this.flush();
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h.catch(() => undefined))?.close();
  }

  /** Once the manifest holds what the journal did: the file, then its directories if empty. */
  async remove(): Promise<void> {
    await this.close();
    await rm(this.path, { force: true });
    for (let dir = dirname(this.path), i = 0; i < 2; i++, dir = dirname(dir)) {
      if (
        !(await rmdir(dir).then(
          () => true,
          () => false,
        ))
      )
        break;
    }
  }
}
