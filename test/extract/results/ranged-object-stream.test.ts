import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FanoutError } from '../../../src/errors.js';
import {
  openRangedObject,
  type RangedObjectOptions,
} from '../../../src/extract/results/ranged-object-stream.js';
import { type EmulatorClients, startWithClients } from '../../helpers/emulator-clients.js';
import { smallScenario } from '../../helpers/small-org.js';

const BUCKET = 'ranged-bucket';
const R = 1024;
let plain: EmulatorClients;
let slow: EmulatorClients;

beforeAll(async () => {
  [plain, slow] = await Promise.all([
    startWithClients(
      smallScenario({
        failS3: [
          // Each once: the third range's body breaks off half way; then its GET fails 3 times (the SDK's attempts).
          { action: 'GetObject', match: 'flaky', range: `bytes=${2 * R}-`, truncate: true, times: 1 },
          { action: 'GetObject', match: 'flaky', range: `bytes=${3 * R}-`, code: 'InternalError', times: 3 },
          { action: 'GetObject', match: 'broken', range: `bytes=${2 * R}-`, code: 'InternalError' },
          { action: 'GetObject', match: 'cut', range: `bytes=${R}-`, truncate: true },
        ],
      }),
    ),
    startWithClients(smallScenario({ actionLatencyMs: { GetObject: 40 } })),
  ]);
});

afterAll(async () => {
  await plain.close();
  await slow.close();
});

/** Deterministic bytes, different at every offset modulo 251 (a prime, so ranges never line up). */
function bytesOf(n: number, salt = 0): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + salt) % 251;
  return b;
}

async function readAll(s3: S3Client, key: string, opts: RangedObjectOptions = {}): Promise<Buffer> {
  const obj = await openRangedObject(s3, BUCKET, key, {
    rangeBytes: R,
    concurrency: 3,
    retryDelayMs: 5,
    ...opts,
  });
  const parts: Uint8Array[] = [];
  for await (const c of obj.body) parts.push(c);
  return Buffer.concat(parts);
}

const getObjects = (c: EmulatorClients, from: number) =>
  c.emu.record.calls.slice(from).filter((call) => call.action === 'GetObject');

describe('openRangedObject', () => {
  it.each([0, 1, R - 1, R, R + 1, 2 * R, 2 * R - 1, 2 * R + 1, 5 * R, 7 * R + 3, 20 * R + 17])(
    'reassembles %i bytes exactly, one GET per range',
    async (n) => {
      const key = `sizes/${n}.csv`;
      const data = bytesOf(n, n);
      plain.emu.s3.put(BUCKET, key, data);
      const from = plain.emu.record.calls.length;
      const got = await readAll(plain.s3, key);
      expect(got.equals(data)).toBe(true);
      const calls = getObjects(plain, from);
      // An empty object: S3 refuses the range (416), then one plain GET.
      expect(calls).toHaveLength(n === 0 ? 2 : Math.max(1, Math.ceil(n / R)));
    },
  );

  it('retries a range whose body breaks off and one whose GET keeps failing, and gives the same bytes', async () => {
    const data = bytesOf(6 * R + 5, 3);
    plain.emu.s3.put(BUCKET, 'flaky.csv', data);
    const from = plain.emu.record.calls.length;
    expect((await readAll(plain.s3, 'flaky.csv')).equals(data)).toBe(true);
    const third = getObjects(plain, from).filter((c) => c.status !== 0);
    expect(third.filter((c) => c.errorCode === 'InternalError')).toHaveLength(3);
  });

  it('names the object and the range, with S3 words, when a range fails every time', async () => {
    const data = bytesOf(4 * R, 9);
    plain.emu.s3.put(BUCKET, 'broken.csv', data);
    const err = await readAll(plain.s3, 'broken.csv', { retries: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FanoutError);
    const e = err as FanoutError;
    expect(e.message).toBe(
      `Reading s3://${BUCKET}/broken.csv bytes ${2 * R}-${3 * R - 1} of ${4 * R} failed (2 attempts): InternalError: We encountered an internal error. Please try again.`,
    );
    expect(e.context).toMatchObject({
      url: `s3://${BUCKET}/broken.csv`,
      awsCode: 'InternalError',
      s3Unreadable: true,
    });
  });

  it('gives up on a body that always comes short, naming the range', async () => {
    plain.emu.s3.put(BUCKET, 'cut.csv', bytesOf(3 * R));
    await expect(readAll(plain.s3, 'cut.csv', { retries: 2 })).rejects.toThrow(
      new RegExp(`s3://${BUCKET}/cut.csv bytes ${R}-${2 * R - 1} of ${3 * R} failed \\(3 attempts\\)`),
    );
  });

  it('fails with PreconditionFailed when the object changes while it is read', async () => {
    plain.emu.s3.put(BUCKET, 'changing.csv', bytesOf(4 * R, 1));
    const obj = await openRangedObject(plain.s3, BUCKET, 'changing.csv', { rangeBytes: R, concurrency: 1 });
    plain.emu.s3.put(BUCKET, 'changing.csv', bytesOf(4 * R, 2));
    const read = async () => {
      for await (const chunk of obj.body) expect(chunk.length).toBeGreaterThan(0);
    };
    await expect(read()).rejects.toThrow(
      `Reading s3://${BUCKET}/changing.csv bytes ${R}-${2 * R - 1} of ${4 * R} failed: PreconditionFailed: At least one of the pre-conditions you specified did not hold`,
    );
  });

  it('never holds more than K ranges: range i + K starts only after range i was consumed', async () => {
    const n = 12 * R;
    slow.emu.s3.put(BUCKET, 'bounded.csv', bytesOf(n));
    const from = slow.emu.record.calls.length;
    const obj = await openRangedObject(slow.s3, BUCKET, 'bounded.csv', { rangeBytes: R, concurrency: 3 });
    let consumed = 0;
    for await (const c of obj.body) {
      expect(getObjects(slow, from).length).toBeLessThanOrEqual(Math.floor(consumed / R) + 3);
      consumed += c.length;
      await new Promise((r) => setTimeout(r, 15));
    }
    expect(consumed).toBe(n);
    // And never more than K requests open at once on the server.
    const calls = getObjects(slow, from);
    const open = calls.map(
      (c) => calls.filter((o) => o.at <= c.at && (o.answeredAt ?? Infinity) > c.at).length,
    );
    expect(Math.max(...open)).toBeLessThanOrEqual(3);
    expect(Math.max(...open)).toBeGreaterThan(1);
  });

  it('stops promptly on abort, with the abort reason', async () => {
    slow.emu.s3.put(BUCKET, 'aborted.csv', bytesOf(10 * R));
    const ac = new AbortController();
    const obj = await openRangedObject(slow.s3, BUCKET, 'aborted.csv', {
      rangeBytes: R,
      concurrency: 4,
      signal: ac.signal,
    });
    const reason = new Error('stop now');
    const it = obj.body[Symbol.asyncIterator]();
    await it.next(); // the first range, read when it opened
    setTimeout(() => {
      ac.abort(reason);
    }, 5);
    const t = performance.now();
    await expect(
      (async () => {
        for (;;) if ((await it.next()).done) break;
      })(),
    ).rejects.toBe(reason);
    // The ranges in flight answer after 40 ms each; aborting does not wait for them.
    expect(performance.now() - t).toBeLessThan(35);
  });
});
