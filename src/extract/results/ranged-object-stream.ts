import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { awsErrorInfo, FanoutError } from '../../errors.js';

/**
 * One S3 object read with several ranged GETs in flight, its bytes handed on strictly in order, so
 * that download overlaps with whatever consumes them (the CSV decoding). The first GET asks for the
 * first range and learns the size and ETag from its Content-Range: an object no larger than one range
 * costs that one request. Later ranges carry `If-Match` with that ETag, so an object replaced while
 * it is read fails with S3's PreconditionFailed instead of mixing two versions.
 *
 * Memory: at most `concurrency` ranges are held (fetched or in flight); range i + K starts only when
 * the consumer asks for the bytes after range i. A range whose body breaks off, comes short or fails
 * with a retryable error is fetched again, with backoff, a bounded number of times (on top of the
 * SDK's own retries of the request).
 */
export interface RangedObjectOptions {
  signal?: AbortSignal;
  /** Bytes per range (default: from the size, 8 to 16 MiB). */
  rangeBytes?: number;
  /** Ranges in flight and held (default: from the cores, 3 to 8). */
  concurrency?: number;
  /** Further attempts of one range after its first (default 3). */
  retries?: number;
  /** First backoff before a range's retry, doubled each time (default 200 ms). */
  retryDelayMs?: number;
}

export interface RangedObject {
  /** The object's bytes in order. */
  body: AsyncIterable<Uint8Array>;
  /** The object's size. */
  bytes: number;
  etag: string | undefined;
  /** GETs the read will make in all (without retries). */
  ranges: number;
}

const MiB = 1024 * 1024;
export const FIRST_RANGE_BYTES = 8 * MiB;

/** Ranges in flight: two per core hides a GET's latency behind decoding, bounded both ways. */
export function rangeConcurrency(cores = availableParallelism()): number {
  return Math.min(8, Math.max(3, cores * 2));
}

/** 8 MiB; larger objects take larger ranges (fewer requests), up to 16 MiB. */
export function rangeSize(bytes: number, concurrency: number): number {
  return Math.min(16 * MiB, Math.max(8 * MiB, Math.ceil(bytes / (concurrency * 4) / MiB) * MiB));
}

interface Range {
  start: number;
  /** Inclusive, as in the Range header. */
  end: number;
}

interface Fetched {
  chunks: Uint8Array[];
  contentRange: string | undefined;
  etag: string | undefined;
}

/** Opens `s3://bucket/key`: the first range is read before this returns, so an unreadable object fails here. */
export async function openRangedObject(
  s3: S3Client,
  bucket: string,
  key: string,
  opts: RangedObjectOptions = {},
): Promise<RangedObject> {
  const url = `s3://${bucket}/${key}`;
  const k = Math.max(1, Math.floor(opts.concurrency ?? rangeConcurrency()));
  const local = new AbortController();
  const onAbort = () => {
    local.abort(opts.signal?.reason);
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const ctx = { url, signal: local.signal, retries: opts.retries ?? 3, delay: opts.retryDelayMs ?? 200 };
  const first = await firstRange(s3, bucket, key, opts.rangeBytes ?? FIRST_RANGE_BYTES, ctx).catch(
    (err: unknown) => {
      opts.signal?.removeEventListener('abort', onAbort);
      throw err;
    },
  );
  const { bytes, etag } = first;
  const firstEnd = first.chunks.reduce((n, c) => n + c.length, 0);
  const size = opts.rangeBytes ?? rangeSize(bytes, k);
  const rest: Range[] = [];
  for (let start = firstEnd; start < bytes; start += size) {
    rest.push({ start, end: Math.min(bytes, start + size) - 1 });
  }
  const get = (r: Range) => fetchRange(s3, bucket, key, r, etag, bytes, ctx);

  async function* body(): AsyncGenerator<Uint8Array, void, undefined> {
    const inFlight: Promise<Uint8Array[]>[] = [];
    let next = 0;
    const startOne = () => {
      const p = get(rest[next++]!);
      p.catch(() => undefined); // awaited in order below; never an unhandled rejection meanwhile
      inFlight.push(p);
    };
    try {
      // The first range is held too: K - 1 more start with it.
      while (next < rest.length && inFlight.length < k - 1) startOne();
      yield* first.chunks;
      first.chunks = [];
      for (;;) {
        // Nothing is held between two ranges: up to K may be in flight.
        while (next < rest.length && inFlight.length < k) startOne();
        const p = inFlight.shift();
        if (!p) break;
        yield* await p;
      }
    } finally {
      // Done, failed or abandoned by the consumer: stop whatever is still in flight.
      local.abort(opts.signal?.reason ?? new Error(`reading ${url} ended`));
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }
  return { body: body(), bytes, etag, ranges: 1 + rest.length };
}

interface ReadCtx {
  url: string;
  signal: AbortSignal;
  retries: number;
  delay: number;
}

async function firstRange(
  s3: S3Client,
  bucket: string,
  key: string,
  rangeBytes: number,
  ctx: ReadCtx,
): Promise<Fetched & { bytes: number }> {
  const range = { start: 0, end: rangeBytes - 1 };
  return withRetries(range, undefined, ctx, async () => {
    let got: Fetched;
    try {
      got = await get(s3, { Bucket: bucket, Key: key, Range: `bytes=0-${range.end}` }, ctx.signal);
    } catch (err) {
      // S3 refuses any range of an empty object: read it whole (nothing to read).
      if (awsErrorInfo(err).code !== 'InvalidRange') throw err;
      got = await get(s3, { Bucket: bucket, Key: key }, ctx.signal);
      const n = length(got.chunks);
      if (n !== 0) throw new TruncatedError(`the object has ${n} bytes after refusing a range`);
      return { ...got, bytes: 0 };
    }
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(got.contentRange ?? '');
    if (!m) throw new TruncatedError(`unexpected Content-Range ${got.contentRange ?? '(none)'}`);
    const [start, end, bytes] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (start !== 0 || length(got.chunks) !== end + 1) {
      throw new TruncatedError(`got ${length(got.chunks)} bytes for ${got.contentRange}`);
    }
    return { ...got, bytes };
  });
}

async function fetchRange(
  s3: S3Client,
  bucket: string,
  key: string,
  range: Range,
  etag: string | undefined,
  bytes: number,
  ctx: ReadCtx,
): Promise<Uint8Array[]> {
  return withRetries(range, bytes, ctx, async () => {
    const got = await get(
      s3,
      {
        Bucket: bucket,
        Key: key,
        Range: `bytes=${range.start}-${range.end}`,
        ...(etag ? { IfMatch: etag } : {}),
      },
      ctx.signal,
    );
    const n = length(got.chunks);
    if (n !== range.end - range.start + 1) throw new TruncatedError(`got ${n} bytes`);
    return got.chunks;
  });
}

async function get(
  s3: S3Client,
  input: { Bucket: string; Key: string; Range?: string; IfMatch?: string },
  signal: AbortSignal,
): Promise<Fetched> {
  const out = await s3.send(new GetObjectCommand(input), { abortSignal: signal });
  const chunks: Uint8Array[] = [];
  if (out.Body) for await (const c of out.Body as AsyncIterable<Uint8Array>) chunks.push(c);
  return { chunks, contentRange: out.ContentRange, etag: out.ETag };
}

/** A body that came short or broke off: worth reading again. */
class TruncatedError extends Error {
  override name = 'TruncatedBody';
}

/** Body stream failures (a reset or closed connection) carry Node's codes, not S3's. */
function retryable(err: unknown): boolean {
  if (err instanceof TruncatedError) return true;
  const info = awsErrorInfo(err);
  if (info.retryable) return true;
  if (info.httpStatus !== undefined) return info.httpStatus >= 500 || info.httpStatus === 429;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' &&
    /^(ECONNRESET|EPIPE|ETIMEDOUT|ECONNREFUSED|ERR_STREAM_PREMATURE_CLOSE)$/.test(code)
    ? true
    : /aborted|premature|socket hang up|terminated/i.test(info.message);
}

async function withRetries<T>(
  range: Range,
  bytes: number | undefined,
  ctx: ReadCtx,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? err;
      if (n >= ctx.retries || !retryable(err)) throw rangeError(err, ctx.url, range, bytes, n + 1);
      await sleep(ctx.delay * 2 ** n * (0.5 + Math.random() / 2), undefined, { signal: ctx.signal }).catch(
        () => {
          throw ctx.signal.reason ?? err;
        },
      );
    }
  }
}

function rangeError(
  err: unknown,
  url: string,
  range: Range,
  bytes: number | undefined,
  attempts: number,
): FanoutError {
  const info = awsErrorInfo(err);
  const end = bytes === undefined ? range.end : Math.min(range.end, bytes - 1);
  const of = bytes === undefined ? '' : ` of ${bytes}`;
  const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
  return new FanoutError(
    `Reading ${url} bytes ${range.start}-${end}${of} failed${tries}: ${info.code}: ${info.message}`,
    {
      cause: err,
      retryable: info.retryable || err instanceof TruncatedError,
      context: {
        stage: 'results',
        url,
        range: `bytes=${range.start}-${end}`,
        attempts,
        awsCode: info.code,
        awsMessage: info.message,
        s3Unreadable: true,
      },
    },
  );
}

function length(chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}
