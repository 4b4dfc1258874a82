import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseS3Target, putS3Object } from '../aws/index.js';
import type { SinkConfig } from '../config/index.js';
import { awsErrorInfo, FanoutError } from '../errors.js';
import { s3Options, writeFileAtomic } from '../sinks/index.js';

/**
 * The state of an incremental query: per (account, region), the window of the last run that succeeded
 * for that unit. It lives beside the outputs, in `_state/<query>.json` under the first sink's fixed
 * directory (its path up to the first placeholder), a local file or an S3 object, so that it moves,
 * is backed up and is deleted with the data it describes. Written whole each time: a local file by
 * rename, an S3 object by one PutObject, so a reader sees the old state or the new, never half.
 */
export interface WatermarkState {
  version: 1;
  query: string;
  column: string;
  /** By `watermarkKey(accountId, region)`. */
  units: Record<string, UnitWatermark>;
}

export interface UnitWatermark {
  accountId: string;
  region: string;
  /** The window the unit last read: `since` inclusive, `until` exclusive (ISO 8601, UTC). */
  since: string;
  /** The next run's `since`. */
  until: string;
  /** The run that read it: a resumed run (same id) reads the same window again instead of an empty one. */
  runId: string;
  updatedAt: string;
}

export function watermarkKey(accountId: string, region: string): string {
  return `${accountId}/${region}`;
}

/** The directory of a sink's outputs that does not change from run to run (no `{runId}`, `{runDate}`). */
function fixedDirectory(sink: SinkConfig): string {
  const path = sink.path.replace(/\/+$/, '');
  const brace = path.indexOf('{');
  if (sink.layout === 'partitioned' && brace < 0) return path;
  const head = brace < 0 ? path : path.slice(0, brace);
  return head.slice(0, head.lastIndexOf('/'));
}

/** Where the state of `query` lives: `_state/<query>.json` beside the first sink's outputs. */
export function watermarkLocation(sinks: readonly SinkConfig[], query: string): string {
  const sink = sinks[0];
  if (!sink) throw new Error('internal: a config has at least one sink');
  const dir = fixedDirectory(sink);
  return dir.startsWith('s3://') ? `${dir}/_state/${query}.json` : join(dir, '_state', `${query}.json`);
}

function emptyState(query: string, column: string): WatermarkState {
  return { version: 1, query, column, units: {} };
}

function unreadable(location: string, why: string, cause?: unknown): FanoutError {
  return new FanoutError(
    `the incremental state ${location} cannot be read (${why}): fix or remove it, or run with --full-refresh`,
    { ...(cause === undefined ? {} : { cause }), context: { stage: 'sink', path: location } },
  );
}

/** The text at `location`, or undefined when there is none yet. */
async function readText(location: string, s3: () => S3Client): Promise<string | undefined> {
  if (!location.startsWith('s3://')) {
    return readFile(location, 'utf8').catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw unreadable(location, err instanceof Error ? err.message : String(err), err);
    });
  }
  const { bucket, key } = parseS3Target(location);
  try {
    const out = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body!.transformToString('utf8');
  } catch (err) {
    const info = awsErrorInfo(err);
    if (info.code === 'NoSuchKey' || info.httpStatus === 404) return undefined;
    throw unreadable(location, `${info.code}: ${info.message}`, err);
  }
}

/**
 * The state of `query`; empty when none was written yet. A state that is there but unreadable is an
 * error, never an empty one: that would read every account from `initial` again.
 */
export async function readWatermarks(
  location: string,
  query: string,
  column: string,
  s3: () => S3Client,
): Promise<WatermarkState> {
  const text = await readText(location, s3);
  if (text === undefined) return emptyState(query, column);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw unreadable(location, 'not JSON', err);
  }
  const state = parsed as { version?: unknown; units?: unknown } | null;
  if (state?.version !== 1 || typeof state.units !== 'object' || state.units === null) {
    throw unreadable(location, 'not an athena-fanout state, version 1');
  }
  return { version: 1, query, column, units: state.units as WatermarkState['units'] };
}

/** Replaces the state at `location` whole (rename locally, one PutObject on S3). */
export async function writeWatermarks(
  location: string,
  state: WatermarkState,
  sink: SinkConfig,
  s3: () => S3Client,
): Promise<void> {
  const text = `${JSON.stringify(state, null, 2)}\n`;
  if (location.startsWith('s3://')) {
    await putS3Object(s3(), location, text, 'application/json', s3Options(sink));
    return;
  }
  await writeFileAtomic(location, (temp) => writeFile(temp, text, { flag: 'wx' }));
}
