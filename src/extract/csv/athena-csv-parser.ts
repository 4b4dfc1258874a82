/** How a field was written: Athena quotes every value, so an empty unquoted field is SQL NULL. */
export const FIELD_NULL = 0;
/** `"…"` without doubled quotes: the bytes between the quotes are the value. */
export const FIELD_QUOTED = 1;
/** `"…""…"`: the value needs its doubled quotes undone. */
export const FIELD_ESCAPED = 2;
/** Unquoted and not empty: Athena never writes this, but headers of other tools do; read verbatim. */
export const FIELD_BARE = 3;

/**
 * Complete records parsed from one stretch of the file. Field `r * columns + c` spans
 * `buf[starts[k], ends[k])` (inside the quotes) and is of kind `kinds[k]`. Nothing is decoded yet:
 * text columns copy the bytes as they are, other columns decode only what they parse.
 */
export interface CsvRows {
  buf: Buffer;
  columns: number;
  rows: number;
  starts: Int32Array;
  ends: Int32Array;
  kinds: Uint8Array;
  /** 1-based record number of row 0 in the file (the header is record 1 when there is one). */
  firstRecord: number;
}

export class CsvFormatError extends Error {
  // A plain field, not a parameter property: the decoding worker runs this file through Node's type
  // stripping under vitest, which only erases syntax.
  readonly record: number;

  constructor(message: string, record: number) {
    super(message);
    this.name = 'CsvFormatError';
    this.record = record;
  }
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

export interface CsvParserOptions {
  /** Expected fields per record; a record with another count is an error. Unknown: taken from the first. */
  columns?: number;
  /** Bytes gathered before parsing a stretch (default 4 MiB): bounds batch size and memory. */
  stretchBytes?: number;
}

/**
 * Every record of `buf`, a piece of the file that starts at a record and holds whole records (the
 * last one perhaps without newline); `firstRecord` is the 1-based number of its first record.
 */
export function parseCsvPiece(
  buf: Buffer,
  columns: number,
  firstRecord: number,
  scratch?: ScanScratch,
): CsvRows | undefined {
  const scan = scanRecords(buf, true, columns, firstRecord, scratch);
  if (scan.rows === 0) return undefined;
  const { rows, starts, ends, kinds } = scan;
  return { buf, columns, rows, starts, ends, kinds, firstRecord };
}

/**
 * Streaming parser for Athena's result CSV. Works on bytes, so a UTF-8 character split across chunks
 * is never decoded half; CR/LF inside quoted values are data; the last record may lack its newline.
 * Feed chunks with `push`, then call `end`; each returns the complete records found so far.
 */
export class AthenaCsvParser {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private columns: number | undefined;
  private readonly stretchBytes: number;
  private recordNumber = 1;

  constructor(opts: CsvParserOptions = {}) {
    this.columns = opts.columns;
    this.stretchBytes = Math.max(1, opts.stretchBytes ?? 4 * 1024 * 1024);
  }

  push(chunk: Uint8Array): CsvRows | undefined {
    if (chunk.length === 0) return undefined;
    this.pending.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
    );
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.stretchBytes) return undefined;
    return this.parse(false);
  }

  end(): CsvRows | undefined {
    if (this.pendingBytes === 0) return undefined;
    return this.parse(true);
  }

  private parse(final: boolean): CsvRows | undefined {
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    const scan = scanRecords(buf, final, this.columns, this.recordNumber);
    if (this.columns === undefined && scan.columns !== undefined) this.columns = scan.columns;
    const rest = buf.subarray(scan.consumed);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    if (scan.rows === 0) return undefined;
    const out: CsvRows = {
      buf,
      columns: scan.columns!,
      rows: scan.rows,
      starts: scan.starts,
      ends: scan.ends,
      kinds: scan.kinds,
      firstRecord: this.recordNumber,
    };
    this.recordNumber += scan.rows;
    return out;
  }
}

/**
 * Field arrays kept from one parse to the next (a decoding worker parses piece after piece): the
 * returned CsvRows then share them, so they are only valid until the next parse with this scratch.
 */
export interface ScanScratch {
  starts: Int32Array;
  ends: Int32Array;
  kinds: Uint8Array;
}

interface Scan {
  consumed: number;
  rows: number;
  columns: number | undefined;
  starts: Int32Array;
  ends: Int32Array;
  kinds: Uint8Array;
}

/** Parses every complete record of `buf` (all of it when `final`). */
function scanRecords(
  buf: Buffer,
  final: boolean,
  expected: number | undefined,
  firstRecord: number,
  scratch?: ScanScratch,
): Scan {
  const n = buf.length;
  // A quoted field costs at least 3 bytes ("",): a fair first guess that rarely needs to grow. Kept
  // arrays start smaller (they grow once, then serve every later piece) to hold less memory.
  const reuse = scratch !== undefined && scratch.starts.length > 0;
  const guess = Math.max(16, (n / (scratch ? 16 : 4)) | 0);
  let capacity = reuse ? scratch.starts.length : guess;
  let starts = reuse ? scratch.starts : new Int32Array(capacity);
  let ends = reuse ? scratch.ends : new Int32Array(capacity);
  let kinds = reuse ? scratch.kinds : new Uint8Array(capacity);
  let fields = 0;
  let rows = 0;
  let columns = expected;
  let recordStart = 0;
  let recordFields = 0;
  let p = 0;

  const grow = () => {
    capacity *= 2;
    const s = new Int32Array(capacity);
    s.set(starts);
    starts = s;
    const e = new Int32Array(capacity);
    e.set(ends);
    ends = e;
    const k = new Uint8Array(capacity);
    k.set(kinds);
    kinds = k;
  };
  const fail = (message: string): never => {
    throw new CsvFormatError(message, firstRecord + rows);
  };

  outer: for (;;) {
    // At the start of a field.
    if (p >= n) {
      // Nothing after the last newline: the file simply ended.
      if (recordFields === 0) break;
      if (!final) break;
      // A trailing comma at the very end: one more NULL field.
    }
    if (fields === capacity) grow();
    let next: number;
    if (p < n && buf[p] === QUOTE) {
      let q = p + 1;
      let escaped = false;
      let close: number;
      for (;;) {
        // A plain loop: values are short, and a native indexOf call costs more than it saves.
        close = q;
        while (close < n && buf[close] !== QUOTE) close++;
        if (close >= n) {
          if (final) fail('a quoted value is not closed before the end of the file');
          break outer;
        }
        if (close + 1 >= n && !final) break outer;
        if (buf[close + 1] === QUOTE) {
          escaped = true;
          q = close + 2;
          continue;
        }
        break;
      }
      starts[fields] = p + 1;
      ends[fields] = close;
      kinds[fields] = escaped ? FIELD_ESCAPED : FIELD_QUOTED;
      next = close + 1;
    } else {
      let e = p;
      while (e < n) {
        const c = buf[e]!;
        if (c === COMMA || c === LF || c === CR) break;
        if (c === QUOTE) fail('a quote inside an unquoted value');
        e++;
      }
      if (e >= n && !final) break;
      starts[fields] = p;
      ends[fields] = e;
      kinds[fields] = e === p ? FIELD_NULL : FIELD_BARE;
      next = e;
    }
    fields++;
    recordFields++;
    // After the field: a separator, a line end, or the end of the file.
    if (next >= n) {
      if (!final) break;
      p = next;
      endRecord();
      break;
    }
    const c = buf[next]!;
    if (c === COMMA) {
      p = next + 1;
      continue;
    }
    if (c === LF) {
      p = next + 1;
      endRecord();
      continue;
    }
    if (c === CR) {
      if (next + 1 >= n && !final) break;
      p = buf[next + 1] === LF ? next + 2 : next + 1;
      endRecord();
      continue;
    }
    fail(`unexpected ${JSON.stringify(String.fromCharCode(c))} after a quoted value`);
  }

  function endRecord(): void {
    if (columns === undefined) columns = recordFields;
    else if (recordFields !== columns) fail(`has ${recordFields} fields, expected ${columns}`);
    rows++;
    recordFields = 0;
    recordStart = p;
  }

  if (scratch) Object.assign(scratch, { starts, ends, kinds });
  return { consumed: recordStart, rows, columns, starts, ends, kinds };
}

/** The text of field `k`: UTF-8, doubled quotes undone; undefined for NULL. */
export function fieldText(rows: CsvRows, k: number): string | undefined {
  const kind = rows.kinds[k]!;
  if (kind === FIELD_NULL) return undefined;
  const text = rows.buf.toString('utf8', rows.starts[k], rows.ends[k]);
  return kind === FIELD_ESCAPED ? text.replaceAll('""', '"') : text;
}
