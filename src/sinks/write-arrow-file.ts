import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { RecordBatchFileWriter, RecordBatchStreamWriter, util, type Schema } from 'apache-arrow';
import { FanoutError } from '../errors.js';
import { asError, sinkError } from './sink-error.js';
import { conformBatch } from './conform-batch.js';
import { iterateBatches, type BatchSource, type WrittenFile } from './sink-types.js';
import { writeFileAtomic } from './write-file-atomic.js';

/**
 * Stream `batches` into an Arrow IPC *file* (random-access format, `.arrow`), atomically. Every batch
 * is conformed to `schema`; a source that yields nothing still produces a valid file with the schema.
 */
export async function writeArrowFile(
  path: string,
  schema: Schema,
  batches: BatchSource,
  /** `stream`: the Arrow IPC streaming format (`.arrows`), readable while it is being read sequentially. */
  format: 'file' | 'stream' = 'file',
): Promise<WrittenFile> {
  if (schema.fields.length === 0) {
    throw new FanoutError(`cannot write ${path}: the schema has no columns`, {
      context: { stage: 'sink', path },
    });
  }
  let rows = 0;
  try {
    await writeFileAtomic(path, async (temp) => {
      const writer = format === 'file' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
      // Writing the schema up front is what makes an empty source still give a readable file.
      writer.reset(undefined, schema);
      let streamError: unknown = undefined;
      const drained = pipeline(writer.toNodeStream(), createWriteStream(temp, { flags: 'wx' })).catch(
        (err: unknown) => {
          streamError = err ?? new Error('output stream failed');
        },
      );
      try {
        for await (const batch of iterateBatches(batches)) {
          if (streamError !== undefined) break;
          const conformed = conformBatch(batch, schema);
          if (!util.compareSchemas(conformed.schema, schema)) {
            throw new FanoutError('internal: a conformed batch does not match the output schema', {
              context: { stage: 'sink', path },
            });
          }
          writer.write(conformed);
          rows += conformed.numRows;
        }
      } catch (err) {
        // Finish the temp file normally (writeFileAtomic deletes it): writer.abort() leaves the
        // output stream hanging and rejects a promise nobody can catch.
        writer.close();
        await drained;
        throw asError(err);
      }
      writer.close();
      await drained;
      if (streamError !== undefined) throw asError(streamError);
    });
  } catch (err) {
    throw sinkError(err, 'Arrow file', path);
  }
  const { size } = await stat(path);
  return { path: resolve(path), bytes: size, rows };
}
