import { describe, expect, it } from 'vitest';
import {
  AthenaCsvParser,
  CsvFormatError,
  type CsvRows,
  fieldText,
} from '../../../src/extract/csv/athena-csv-parser.js';
import { csvColumn } from '../../../src/extract/csv/csv-column.js';

type Cell = string | null;

/** Athena's writer: every non-null value quoted with `"` doubled, NULL as an empty unquoted field. */
function athenaCsv(rows: Cell[][], lastNewline = true): string {
  const lines = rows.map((r) => r.map((v) => (v === null ? '' : `"${v.replaceAll('"', '""')}"`)).join(','));
  return lines.join('\n') + (lastNewline && lines.length > 0 ? '\n' : '');
}

function cells(batch: CsvRows): Cell[][] {
  const out: Cell[][] = [];
  for (let r = 0; r < batch.rows; r++) {
    const row: Cell[] = [];
    for (let c = 0; c < batch.columns; c++) row.push(fieldText(batch, r * batch.columns + c) ?? null);
    out.push(row);
  }
  return out;
}

/** The text columns as the Arrow fast path copies them, read back through Arrow's own decoder. */
function utf8Cells(batch: CsvRows): Cell[][] {
  const cols = Array.from({ length: batch.columns }, (_, c) => csvColumn(batch, c).utf8!());
  return Array.from({ length: batch.rows }, (_, r) =>
    cols.map((data) => {
      if (!data.getValid(r)) return null;
      const start = data.valueOffsets[r]!;
      const end = data.valueOffsets[r + 1]!;
      return Buffer.from(data.values.subarray(start, end)).toString('utf8');
    }),
  );
}

function parse(bytes: Uint8Array, cuts: number[], opts: { stretchBytes?: number; columns?: number } = {}) {
  const parser = new AthenaCsvParser({
    stretchBytes: opts.stretchBytes ?? 1,
    ...(opts.columns ? { columns: opts.columns } : {}),
  });
  const batches: CsvRows[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    const b = parser.push(bytes.subarray(at, cut));
    if (b) batches.push(b);
    at = cut;
  }
  const last = parser.end();
  if (last) batches.push(last);
  return batches;
}

function rowsOf(bytes: Uint8Array, cuts: number[] = [], opts: { stretchBytes?: number } = {}): Cell[][] {
  const batches = parse(bytes, cuts, opts);
  const viaText = batches.flatMap(cells);
  expect(batches.flatMap(utf8Cells)).toEqual(viaText);
  return viaText;
}

const enc = (s: string) => Buffer.from(s, 'utf8');

describe('Athena CSV reader', () => {
  it('keeps NULL (empty unquoted) apart from "" (empty quoted)', () => {
    expect(rowsOf(enc('"a","b"\n,""\n"",\n'))).toEqual([
      ['a', 'b'],
      [null, ''],
      ['', null],
    ]);
  });

  it('undoes doubled quotes and keeps commas, CR, LF and CRLF inside values', () => {
    const rows: Cell[][] = [
      ['say "hi"', 'a,b'],
      ['line1\nline2', 'cr\rcrlf\r\n'],
      ['""', '"'],
    ];
    expect(rowsOf(enc(athenaCsv(rows)))).toEqual(rows);
  });

  it('reads the last record without a newline, and CRLF record ends', () => {
    expect(rowsOf(enc('"x","1"\r\n"y","2"'))).toEqual([
      ['x', '1'],
      ['y', '2'],
    ]);
    expect(rowsOf(enc('"x",'))).toEqual([['x', null]]);
  });

  it('reads an empty line of a one-column result as a NULL row', () => {
    expect(rowsOf(enc('"c"\n\n"v"\n'))).toEqual([['c'], [null], ['v']]);
  });

  it('decodes a UTF-8 character split across chunks', () => {
    const bytes = enc('"añ€😀b","ü"\n');
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(rowsOf(bytes, [cut])).toEqual([['añ€😀b', 'ü']]);
    }
  });

  it('finds the same records wherever the chunks are cut (fuzzed, fixed seed)', () => {
    let seed = 0x5eed;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const alphabet = ['a', 'Z', '0', ',', '"', '""', '\n', '\r', '\r\n', ' ', 'é', '€', '😀', ''];
    for (let round = 0; round < 200; round++) {
      const columns = 1 + rand(4);
      const rows: Cell[][] = Array.from({ length: 1 + rand(8) }, () =>
        Array.from({ length: columns }, () => {
          if (rand(5) === 0) return null;
          return Array.from({ length: rand(6) }, () => alphabet[rand(alphabet.length)]!).join('');
        }),
      );
      // A one-column NULL last row prints as nothing: the file would just end, as Athena's would.
      const lastIsBlank = columns === 1 && rows.at(-1)![0] === null;
      const newline = lastIsBlank || rand(2) === 0;
      const bytes = enc(athenaCsv(rows, newline));
      const cuts = Array.from({ length: rand(6) }, () => rand(bytes.length + 1)).sort((a, b) => a - b);
      expect(rowsOf(bytes, cuts, { stretchBytes: 1 + rand(64) }), JSON.stringify({ rows, cuts })).toEqual(
        rows,
      );
    }
  });

  it('parses byte by byte the same as all at once', () => {
    const rows: Cell[][] = [
      ['1', null, 'x\r\ny'],
      ['', '"q"', 'ž'],
    ];
    const bytes = enc(athenaCsv(rows, false));
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect(rowsOf(bytes, cuts)).toEqual(rows);
  });

  it('gathers chunks up to the stretch size before parsing', () => {
    const bytes = enc(athenaCsv(Array.from({ length: 100 }, (_, i) => [String(i)])));
    const batches = parse(bytes, [10, 20, 30, 40], { stretchBytes: 1_000_000 });
    expect(batches).toHaveLength(1);
    expect(batches[0]!.rows).toBe(100);
    expect(batches[0]!.firstRecord).toBe(1);
  });

  it('numbers records across stretches', () => {
    const bytes = enc(athenaCsv(Array.from({ length: 50 }, (_, i) => [String(i)])));
    const batches = parse(bytes, [20, 40, 60, 80, 100], { stretchBytes: 10 });
    let expected = 1;
    for (const b of batches) {
      expect(b.firstRecord).toBe(expected);
      expected += b.rows;
    }
    expect(expected).toBe(51);
  });

  const failures: [string, string, RegExp, number][] = [
    ['an unclosed quote', '"a","b\nc', /not closed/, 1],
    ['text after a closing quote', '"a"x,"b"\n', /unexpected "x"/, 1],
    ['a record with too few fields', '"a","b"\n"c"\n', /has 1 fields, expected 2/, 2],
    ['a stray quote in a bare value', 'a"b\n', /quote inside an unquoted value/, 1],
  ];
  for (const [what, text, message, record] of failures) {
    it(`rejects ${what}, naming the record`, () => {
      let error: unknown;
      try {
        parse(enc(text), []);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(CsvFormatError);
      expect((error as CsvFormatError).message).toMatch(message);
      expect((error as CsvFormatError).record).toBe(record);
    });
  }
});
