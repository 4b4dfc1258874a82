import type { ColumnInfo } from '@aws-sdk/client-athena';
import { afterAll, describe, expect, it } from 'vitest';
import { FanoutError } from '../../../src/errors.js';
import { fieldText, parseCsvPiece } from '../../../src/extract/csv/athena-csv-parser.js';
import { CsvDecodePool, csvRecordBatches, schemaForColumns } from '../../../src/extract/index.js';
import { quoteParity, RecordSplitter } from '../../../src/extract/csv/record-splitter.js';

type Cell = string | null;

function athenaCsv(rows: Cell[][], lastNewline = true): string {
  const lines = rows.map((r) => r.map((v) => (v === null ? '' : `"${v.replaceAll('"', '""')}"`)).join(','));
  return lines.join('\n') + (lastNewline && lines.length > 0 ? '\n' : '');
}

const enc = (s: string) => Buffer.from(s, 'utf8');

function random(seed: number) {
  return (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
}

/** Feeds `bytes` cut at `cuts`; returns the pieces. */
function split(bytes: Uint8Array, cuts: number[], pieceBytes: number): Buffer[] {
  const splitter = new RecordSplitter(pieceBytes);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    pieces.push(...splitter.push(bytes.subarray(at, cut)));
    at = cut;
  }
  const last = splitter.end();
  if (last) pieces.push(last);
  return pieces;
}

describe('RecordSplitter', () => {
  it('counts quote parity like a byte loop, at any alignment', () => {
    const rand = random(7);
    for (let round = 0; round < 300; round++) {
      const bytes = Buffer.from(Array.from({ length: rand(70) }, () => [0x22, 0x61, 0x0a, 0xa2][rand(4)]!));
      const offset = rand(4);
      const view = Buffer.concat([Buffer.alloc(offset), bytes]).subarray(offset);
      const count = bytes.filter((b) => b === 0x22).length;
      expect(quoteParity(view)).toBe(count & 1);
    }
  });

  it('cuts only between records, wherever the chunks are cut (fuzzed, fixed seed)', () => {
    const rand = random(0x5eed);
    const alphabet = ['a', ',', '"', '""', '\n', '\r', '\r\n', '"\n"', 'é', '€', '😀', ''];
    for (let round = 0; round < 300; round++) {
      const columns = 1 + rand(3);
      const rows: Cell[][] = Array.from({ length: 1 + rand(10) }, () =>
        Array.from({ length: columns }, () =>
          rand(5) === 0
            ? null
            : Array.from({ length: rand(5) }, () => alphabet[rand(alphabet.length)]!).join(''),
        ),
      );
      const lastIsBlank = columns === 1 && rows.at(-1)![0] === null;
      const bytes = enc(athenaCsv(rows, lastIsBlank || rand(2) === 0));
      const cuts = Array.from({ length: rand(8) }, () => rand(bytes.length + 1)).sort((a, b) => a - b);
      const pieces = split(bytes, cuts, 1 + rand(40));
      const context = JSON.stringify({ rows, cuts });
      expect(Buffer.concat(pieces).equals(bytes), context).toBe(true);
      // Each piece parses alone into whole records, and together they are the file's records.
      const parsed = pieces.flatMap((piece) => {
        const got = parseCsvPiece(piece, columns, 1)!;
        return Array.from({ length: got.rows }, (_, r) =>
          Array.from({ length: columns }, (_, c) => fieldText(got, r * columns + c) ?? null),
        );
      });
      expect(parsed, context).toEqual(rows);
    }
  });

  it('holds a record longer than a piece until it ends, and cuts a large chunk into several pieces', () => {
    const long = 'x\n'.repeat(500);
    const bytes = enc(athenaCsv([['a'], [long], ['b']]));
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect(split(bytes, cuts, 8).map((p) => p.toString())).toEqual([`"a"\n"${long}"\n`, '"b"\n']);
    expect(split(bytes, [], 8).map((p) => p.toString())).toEqual([`"a"\n"${long}"\n`, '"b"\n']);
    const many = enc(athenaCsv(Array.from({ length: 100 }, (_, i) => [String(i)])));
    const pieces = split(many, [], 50);
    expect(pieces.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(100);
  });
});

const COLUMNS: ColumnInfo[] = [
  { Name: 'id', Type: 'bigint' },
  { Name: 'txt', Type: 'varchar' },
  { Name: 'amount', Type: 'decimal', Precision: 10, Scale: 2 },
];
const schema = schemaForColumns(COLUMNS);
const names = COLUMNS.map((c) => c.Name!);
const ctx = { accountId: '111111111111', queryName: 'q' };

async function* chunksOf(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    await Promise.resolve();
    yield bytes.subarray(at, cut);
    at = cut;
  }
}

async function collect(
  bytes: Uint8Array,
  cuts: number[],
  opts: { pool?: CsvDecodePool; stretchBytes?: number; onBatch?: () => Promise<void> } = {},
): Promise<{ rows: unknown[][]; batches: number } | Error> {
  const rows: unknown[][] = [];
  let batches = 0;
  try {
    for await (const b of csvRecordBatches(chunksOf(bytes, cuts), schema, names, {
      ctx,
      extra: [],
      ...(opts.pool ? { pool: opts.pool } : {}),
      ...(opts.stretchBytes ? { stretchBytes: opts.stretchBytes } : {}),
    })) {
      batches++;
      for (let i = 0; i < b.numRows; i++) rows.push(b.get(i)!.toArray().map(String));
      await opts.onBatch?.();
    }
  } catch (err) {
    return err as Error;
  }
  return { rows, batches };
}

const show = (r: { rows: unknown[][] } | Error) => (r instanceof Error ? `error: ${r.message}` : r.rows);

function sample(n: number, bad?: number): string {
  const rows: Cell[][] = [names];
  for (let i = 1; i <= n; i++) {
    const txt = [null, '', 'a "b", c', 'line\r\nbreak', 'ünï €😀'][i % 5]!;
    rows.push([String(i), txt, i === bad ? '12x.50' : `${i}.${String(i % 100).padStart(2, '0')}`]);
  }
  return athenaCsv(rows);
}

describe('decoding on the worker pool', () => {
  const pool = new CsvDecodePool(3);
  afterAll(() => pool.close());

  it('gives the same rows as this thread when the chunks are cut at every byte', async () => {
    const bytes = enc(sample(12));
    const serial = show(await collect(bytes, []));
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(show(await collect(bytes, [cut], { pool, stretchBytes: 1 + (cut % 40) })), `cut ${cut}`).toEqual(
        serial,
      );
    }
    const everyByte = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect(show(await collect(bytes, everyByte, { pool, stretchBytes: 1 }))).toEqual(serial);
    // The last record without its newline.
    const trimmed = bytes.subarray(0, bytes.length - 1);
    expect(show(await collect(trimmed, [7, 100], { pool, stretchBytes: 30 }))).toEqual(serial);
  });

  it('yields batches in file order although pieces finish out of order', async () => {
    const bytes = enc(sample(2000));
    // A slow consumer lets every worker finish pieces ahead of the one yielded next.
    const got = await collect(bytes, [], {
      pool,
      stretchBytes: 512,
      onBatch: () => new Promise((r) => setTimeout(r, 1)),
    });
    if (got instanceof Error) throw got;
    expect(got.batches).toBeGreaterThan(30);
    expect(got.rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
  });

  it('keeps at most pool size + 1 pieces of a result in the pool', async () => {
    let inPool = 0;
    let most = 0;
    const counting = new (class extends CsvDecodePool {
      override decode(...args: Parameters<CsvDecodePool['decode']>) {
        inPool++;
        most = Math.max(most, inPool);
        return super.decode(...args).finally(() => inPool--);
      }
    })(2);
    try {
      const got = await collect(enc(sample(3000)), [], {
        pool: counting,
        stretchBytes: 256,
        onBatch: () => new Promise((r) => setTimeout(r, 1)),
      });
      expect(got).not.toBeInstanceOf(Error);
      expect(most).toBe(3);
    } finally {
      await counting.close();
    }
  });

  it('names account, query, the row in the whole result and the column of a bad value', async () => {
    const bytes = enc(sample(500, 437));
    const pooled = await collect(bytes, [], { pool, stretchBytes: 200 });
    expect(pooled).toBeInstanceOf(FanoutError);
    expect((pooled as Error).message).toBe(
      'Bad query result (account 111111111111, query q, row 437, column amount): value "12x.50" is not a valid decimal(10,2): not a decimal number',
    );
    expect((pooled as FanoutError).context).toMatchObject({ row: 437, column: 'amount', ...ctx });
    expect(show(pooled as Error)).toEqual(show(await collect(bytes, [])));
  });

  it('reports malformed CSV, a wrong header and an empty file as this thread does', async () => {
    const cases = [
      `${sample(50)}"51","x"\n"52","y","1.00"\n`,
      sample(5).replace('"txt"', '"text"'),
      '',
      `${sample(40)}"41","unclosed`,
    ];
    for (const text of cases) {
      const serial = await collect(enc(text), []);
      expect(serial).toBeInstanceOf(FanoutError);
      expect(show(await collect(enc(text), [3], { pool, stretchBytes: 64 })), text.slice(-30)).toEqual(
        show(serial),
      );
    }
  });

  it('refuses work once closed', async () => {
    const closed = new CsvDecodePool(1);
    await closed.start();
    await closed.close();
    const got = await collect(enc(sample(3)), [], { pool: closed });
    expect(got).toBeInstanceOf(FanoutError);
    expect((got as Error).message).toMatch(/pool is closed/);
  });
});
