import type { RecordBatch } from 'apache-arrow';
import { FanoutError } from '../../errors.js';
import { batchFromTransfer } from './batch-transfer.js';
import { type CsvBatchSpec, decodeCsvPiece, emptyFileError } from './csv-batch.js';
import type { CsvDecodePool } from './csv-decode-pool.js';
import type { CsvTaskReply } from './csv-decode-task.js';
import { RecordSplitter } from './record-splitter.js';
import { cancelled } from '../columns/build-record-batch.js';

export interface PooledCsvOptions {
  signal?: AbortSignal;
  /** Bytes of whole records per piece (one batch each). */
  pieceBytes: number;
  /** Pieces handed to the pool and not yet yielded: bounds memory (default: pool size + 1). */
  maxInFlight?: number;
}

interface InFlight {
  header: boolean;
  reply: Promise<CsvTaskReply>;
}

/**
 * The result file cut at record ends into pieces that the pool's workers decode in parallel; batches
 * come back in file order. Row numbers are only known in order, so a piece whose decoding failed is
 * decoded again here, with its true first record number, to raise the error the serial reader would.
 */
export async function* pooledCsvBatches(
  body: AsyncIterable<Uint8Array>,
  spec: CsvBatchSpec,
  pool: CsvDecodePool,
  opts: PooledCsvOptions,
): AsyncGenerator<RecordBatch, void, undefined> {
  const splitter = new RecordSplitter(opts.pieceBytes);
  const job = pool.job(spec.schema, spec.names, spec.extra);
  const maxInFlight = Math.max(1, opts.maxInFlight ?? pool.size + 1);
  const inFlight: InFlight[] = [];
  let pieces = 0;
  // 1-based number of the next piece's first record (the header is record 1).
  let record = 1;

  const send = (piece: Buffer) => {
    const reply = pool.decode(job, piece, pieces === 0);
    // Awaited in order below; this only keeps a failure of a piece never awaited from going unhandled.
    reply.catch(() => undefined);
    inFlight.push({ header: pieces === 0, reply });
    pieces++;
  };
  const receive = async (): Promise<RecordBatch | undefined> => {
    const next = inFlight.shift()!;
    let reply: CsvTaskReply;
    try {
      reply = await next.reply;
    } catch (err) {
      throw new FanoutError(`Decoding ${spec.file} failed: ${(err as Error).message}`, {
        cause: err,
        context: { stage: 'results', ...spec.ctx },
      });
    }
    if (!reply.ok) {
      const piece = Buffer.from(reply.piece.buffer, reply.piece.byteOffset, reply.piece.byteLength);
      decodeCsvPiece(piece, next.header, record, spec);
      throw new FanoutError(`Decoding ${spec.file} failed: ${reply.message}`, {
        context: { stage: 'results', ...spec.ctx },
      });
    }
    record += reply.records;
    return reply.batch && batchFromTransfer(spec.schema, reply.batch);
  };

  for await (const chunk of body) {
    if (opts.signal?.aborted) throw cancelled(spec.ctx, opts.signal.reason);
    for (const piece of splitter.push(chunk)) {
      send(piece);
      while (inFlight.length >= maxInFlight) {
        const batch = await receive();
        if (batch) yield batch;
      }
    }
  }
  const last = splitter.end();
  if (last) send(last);
  if (pieces === 0) throw emptyFileError(spec);
  while (inFlight.length > 0) {
    if (opts.signal?.aborted) throw cancelled(spec.ctx, opts.signal.reason);
    const batch = await receive();
    if (batch) yield batch;
  }
}
