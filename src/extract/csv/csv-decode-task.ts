import type { ColumnInfo } from '@aws-sdk/client-athena';
import { type Schema, tableFromIPC } from 'apache-arrow';
import { type BatchTransfer, batchToTransfer } from './batch-transfer.js';
import type { ScanScratch } from './athena-csv-parser.js';
import { decodeCsvPiece } from './csv-batch.js';
import { type ExtraColumn, schemaForColumns } from '../columns/schema-for-columns.js';

/** One result file's decoding job, as sent with each of its pieces. */
export interface CsvJobMessage {
  id: number;
  /** The schema as an Arrow IPC stream without batches. */
  schema: Uint8Array;
  names: string[];
  extra: ExtraColumn[];
}

export interface CsvTaskMessage {
  task: number;
  job: CsvJobMessage;
  piece: Uint8Array;
  header: boolean;
}

export type CsvTaskReply =
  | { task: number; ok: true; records: number; batch?: BatchTransfer }
  /** The piece comes back so that the caller can decode it again where it knows the row numbers. */
  | { task: number; ok: false; message: string; piece: Uint8Array };

// A worker serves a few results at once; their schemas are parsed once each.
const schemas = new Map<number, Schema>();
// One piece at a time per worker: the parser's field arrays are reused rather than reallocated.
const scratch: ScanScratch = { starts: new Int32Array(0), ends: new Int32Array(0), kinds: new Uint8Array(0) };

function schemaOf(job: CsvJobMessage): Schema {
  let schema = schemas.get(job.id);
  if (!schema) {
    schema = tableFromIPC(job.schema).schema;
    schemas.set(job.id, schema);
    if (schemas.size > 64) schemas.delete(schemas.keys().next().value!);
  }
  return schema;
}

/**
 * Frees a buffer at once rather than at the next full GC: V8 only collects once some 64 MiB more of
 * such memory is held, which per worker was most of the pool's share of peak RSS. Detaching (a
 * transfer to length 0) drops the memory; nothing else may view it.
 */
function releaseNow(buffer: ArrayBuffer): void {
  (buffer as ArrayBuffer & { transfer(length: number): ArrayBuffer }).transfer(0);
}

/**
 * Decodes one piece in the worker. Row numbers are not known here (earlier pieces may still be in
 * other workers), so a failure only says that it failed: the caller re-reads the piece to name the row.
 */
export function decodeTask(msg: CsvTaskMessage): { reply: CsvTaskReply; transfer: ArrayBuffer[] } {
  const piece = Buffer.from(msg.piece.buffer, msg.piece.byteOffset, msg.piece.byteLength);
  try {
    const spec = { schema: schemaOf(msg.job), names: msg.job.names, extra: msg.job.extra, ctx: {}, file: '' };
    const { batch, records } = decodeCsvPiece(piece, msg.header, 1, spec, scratch);
    releaseNow(msg.piece.buffer as ArrayBuffer);
    if (!batch) return { reply: { task: msg.task, ok: true, records }, transfer: [] };
    const { message, transfer } = batchToTransfer(batch);
    return { reply: { task: msg.task, ok: true, records, batch: message }, transfer };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      reply: { task: msg.task, ok: false, message, piece: msg.piece },
      transfer: [msg.piece.buffer as ArrayBuffer],
    };
  }
}

const WARM_UP_COLUMNS: ColumnInfo[] = [
  { Name: 'i', Type: 'bigint' },
  { Name: 'n', Type: 'integer' },
  { Name: 'f', Type: 'double' },
  { Name: 'd', Type: 'decimal', Precision: 18, Scale: 4 },
  { Name: 'day', Type: 'date' },
  { Name: 'ts', Type: 'timestamp', Precision: 3 },
  { Name: 'b', Type: 'boolean' },
  { Name: 's', Type: 'varchar' },
];

/**
 * Decodes a made-up result of every fast-path type a few times, so that the parser and column builders
 * are compiled before the first real piece rather than while the first pieces wait (~20,000 rows: a few
 * percent of the smallest file the pool takes).
 */
export function warmUp(): void {
  const names = WARM_UP_COLUMNS.map((c) => c.Name!);
  const spec = { schema: schemaForColumns(WARM_UP_COLUMNS), names, extra: [], ctx: {}, file: '' };
  const lines = [names.map((n) => `"${n}"`).join(',')];
  for (let i = 0; i < 5000; i++) {
    const day = `20${String(10 + (i % 20))}-0${1 + (i % 9)}-1${i % 10}`;
    const cells = [i * 7919, i % 1000, i / 8, `${i}.${String(i % 10000).padStart(4, '0')}`, day];
    lines.push(
      [...cells, `${day} 12:34:56.789`, i % 2 === 0, i % 7 === 0 ? '' : `value "${i}", ok`]
        .map((v, c) => (c === 7 && v === '' ? '' : `"${String(v).replaceAll('"', '""')}"`))
        .join(','),
    );
  }
  const piece = Buffer.from(`${lines.join('\n')}\n`);
  for (let round = 0; round < 4; round++) decodeCsvPiece(piece, true, 1, spec, scratch);
}
