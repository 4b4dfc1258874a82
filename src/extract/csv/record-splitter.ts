const QUOTE = 0x22;
const LF = 0x0a;

/**
 * Cuts a CSV byte stream into pieces of whole records, each about `pieceBytes` long, so that pieces can
 * be parsed apart (and in parallel). A record ends at a line feed outside quotes; since every `"` opens
 * or closes a quoted value or is one of a doubled pair, a line feed is outside quotes exactly when an
 * even number of quotes precede it. Only the parity is tracked, four bytes at a time, so a split point
 * costs one pass over the bytes and no parsing. A piece never ends inside a UTF-8 character (it ends
 * after a line feed); the last piece is whatever follows the last cut, newline or not.
 */
export class RecordSplitter {
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  /** Quote parity at the end of the bytes held (1: inside a quoted value). */
  private parity = 0;
  /** Bytes held up to the last record end found, or -1 when none is held. */
  private boundary = -1;
  private readonly pieceBytes: number;

  constructor(pieceBytes: number) {
    this.pieceBytes = Math.max(1, pieceBytes);
  }

  /**
   * Takes the next chunk; returns the pieces completed by it, each of at least `pieceBytes` of whole
   * records (a chunk far larger than a piece gives several).
   */
  push(chunk: Uint8Array): Buffer[] {
    const pieces: Buffer[] = [];
    for (let at = 0; at < chunk.length; at += this.pieceBytes) {
      const piece = this.pushSlice(chunk.subarray(at, at + this.pieceBytes));
      if (piece) pieces.push(piece);
    }
    return pieces;
  }

  private pushSlice(chunk: Uint8Array): Buffer | undefined {
    const before = this.parity;
    const after = before ^ quoteParity(chunk);
    const cut = lastRecordEnd(chunk, after);
    if (cut >= 0) this.boundary = this.bytes + cut;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    this.parity = after;
    if (this.boundary < this.pieceBytes) return undefined;
    return this.take(this.boundary);
  }

  /** Everything still held (the last records, the final one perhaps without newline), if any. */
  end(): Buffer | undefined {
    if (this.bytes === 0) return undefined;
    return this.take(this.bytes);
  }

  /** The first `n` held bytes, copied into a buffer of their own (it is handed to another thread). */
  private take(n: number): Buffer {
    const piece = Buffer.allocUnsafeSlow(n);
    let at = 0;
    let i = 0;
    while (at < n) {
      const c = this.chunks[i]!;
      const want = Math.min(c.length, n - at);
      piece.set(want === c.length ? c : c.subarray(0, want), at);
      at += want;
      if (want < c.length) this.chunks[i] = c.subarray(want);
      else i++;
    }
    this.chunks = this.chunks.slice(i);
    this.bytes -= n;
    this.boundary = -1;
    return piece;
  }
}

/**
 * Offset just after the last line feed of `chunk` that lies outside quotes, given the quote parity at
 * the chunk's end; -1 when there is none. Walks back from the end, counting the quotes it passes.
 */
function lastRecordEnd(chunk: Uint8Array, parityAtEnd: number): number {
  let parity = parityAtEnd;
  let scanned = chunk.length;
  for (let lf = chunk.lastIndexOf(LF); lf >= 0; lf = lf > 0 ? chunk.lastIndexOf(LF, lf - 1) : -1) {
    for (let p = lf + 1; p < scanned; p++) if (chunk[p] === QUOTE) parity ^= 1;
    scanned = lf;
    if (parity === 0) return lf + 1;
  }
  return -1;
}

/**
 * 1 when `bytes` holds an odd number of `"`. Four bytes at a time: a byte of `w ^ 0x22222222` is zero
 * exactly where a quote was, and the expression below sets bit 7 of exactly those bytes (no carry
 * crosses a byte); XOR-folding the words keeps the parity of the total count.
 */
export function quoteParity(bytes: Uint8Array): number {
  const n = bytes.length;
  let parity = 0;
  let p = 0;
  const head = Math.min(n, (4 - (bytes.byteOffset & 3)) & 3);
  for (; p < head; p++) if (bytes[p] === QUOTE) parity ^= 1;
  const words = (n - p) >> 2;
  if (words > 0) {
    const view = new Int32Array(bytes.buffer, bytes.byteOffset + p, words);
    let acc = 0;
    for (let i = 0; i < words; i++) {
      const x = view[i]! ^ 0x22222222;
      acc ^= ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | 0 | x | 0x7f7f7f7f);
    }
    parity ^= popcount(acc) & 1;
    p += words * 4;
  }
  for (; p < n; p++) if (bytes[p] === QUOTE) parity ^= 1;
  return parity;
}

function popcount(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
