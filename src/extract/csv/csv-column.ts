import { type Data, makeData, Utf8 } from 'apache-arrow';
import type { TextColumn } from '../columns/build-column.js';
import { csvTypedColumn } from './csv-typed-column.js';
import { fractionDigitsOf } from '../columns/timestamp-unit.js';
import { type CsvRows, FIELD_ESCAPED, FIELD_NULL, fieldText } from './athena-csv-parser.js';

/**
 * Column `column` of parsed CSV records from record `skip` on (1 skips the header); text columns copy
 * the file's bytes without decoding them.
 */
export function csvColumn(rows: CsvRows, column: number, skip = 0): TextColumn {
  const { columns } = rows;
  const first = skip * columns + column;
  return {
    length: rows.rows - skip,
    text: (i) => fieldText(rows, first + i * columns),
    utf8: () => csvUtf8(rows, column, skip),
    typed: (type, fail) => csvTypedColumn(type, rows, column, skip, fail),
    fractionDigits: () => csvFractionDigits(rows, column, skip),
  };
}

const DOT = 0x2e;

/** fractionDigitsOf over a CSV column, on the bytes: `YYYY-MM-DD HH:MM:SS.f…` has its dot at 19. */
function csvFractionDigits(rows: CsvRows, column: number, skip: number): number {
  const { buf, starts, ends, kinds, columns } = rows;
  let max = 0;
  for (let k = skip * columns + column; k < rows.rows * columns; k += columns) {
    if (kinds[k] === FIELD_NULL) continue;
    const s = starts[k]!;
    const e = ends[k]!;
    if (e - s === 19) continue;
    if (buf[s + 19] !== DOT || buf[s + 10] !== 0x20) {
      // Not the canonical form (long years, a T, a quote): the string path decides.
      max = Math.max(max, fractionDigitsOf(fieldText(rows, k) ?? ''));
      continue;
    }
    let p = s + 20;
    while (p < e && buf[p]! >= 0x30 && buf[p]! <= 0x39) p++;
    max = Math.max(max, p - s - 20);
  }
  return max;
}

const QUOTE = 0x22;

function csvUtf8(rows: CsvRows, column: number, skip: number): Data<Utf8> {
  const { buf, starts, ends, kinds, columns } = rows;
  const n = rows.rows - skip;
  const first = skip * columns + column;
  const offsets = new Int32Array(n + 1);
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  let total = 0;
  for (let i = 0, k = first; i < n; i++, k += columns) {
    if (kinds[k] === FIELD_NULL) nulls++;
    else {
      bitmap[i >> 3]! |= 1 << (i & 7);
      total += ends[k]! - starts[k]!;
    }
  }
  // An upper bound: escaped values shrink when their doubled quotes are undone.
  const bytes = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (let i = 0, k = first; i < n; i++, k += columns) {
    const kind = kinds[k]!;
    if (kind === FIELD_ESCAPED) {
      const end = ends[k]!;
      for (let p = starts[k]!; p < end; p++) {
        const c = buf[p]!;
        bytes[at++] = c;
        // Inside the quotes every quote is doubled: keep one, skip its twin.
        if (c === QUOTE) p++;
      }
    } else if (kind !== FIELD_NULL) {
      const s = starts[k]!;
      const e = ends[k]!;
      // Short values byte by byte: a native copy call costs more than it saves.
      if (e - s < 64) for (let p = s; p < e; p++) bytes[at++] = buf[p]!;
      else at += buf.copy(bytes, at, s, e);
    }
    offsets[i + 1] = at;
  }
  const data = at === total ? bytes : bytes.subarray(0, at);
  return makeData({
    type: new Utf8(),
    length: n,
    valueOffsets: offsets,
    data,
    ...(nulls === 0 ? { nullCount: 0 } : { nullCount: nulls, nullBitmap: bitmap }),
  });
}
