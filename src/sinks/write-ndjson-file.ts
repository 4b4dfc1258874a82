import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Data, DataType, type RecordBatch, type Schema } from 'apache-arrow';
import { FanoutError } from '../errors.js';
import { conformBatch } from './conform-batch.js';
import { renderer } from './render-text.js';
import { asError, sinkError } from './sink-error.js';
import { iterateBatches, type BatchSource, type WrittenFile } from './sink-types.js';
import { writeFileAtomic } from './write-file-atomic.js';

/**
 * How a column's values appear in JSON. Exact first: int64 is written as its full JSON number text
 * (readers that parse JSON numbers as doubles will round above 2^53, so decimals are strings);
 * dates, timestamps (UTC, Athena's text form) and binary (hex) are strings; NULL is null.
 */
function jsonRenderer(data: Data): (i: number) => string {
  const type: DataType = data.type;
  const text = renderer(data);
  if (DataType.isBool(type) || DataType.isInt(type)) return text;
  if (DataType.isFloat(type)) {
    return (i) => {
      const t = text(i);
      return /^-?\d/.test(t) ? t : JSON.stringify(t);
    };
  }
  return (i) => JSON.stringify(text(i));
}

function batchLines(batch: RecordBatch): string {
  const names = batch.schema.fields.map((f) => `${JSON.stringify(f.name)}:`);
  const cols = batch.data.children.map((d) => ({ data: d, render: jsonRenderer(d) }));
  let out = '';
  for (let r = 0; r < batch.numRows; r++) {
    out += '{';
    for (let c = 0; c < cols.length; c++) {
      const { data, render } = cols[c]!;
      out += `${c === 0 ? '' : ','}${names[c]!}${data.getValid(r) ? render(r) : 'null'}`;
    }
    out += '}\n';
  }
  return out;
}

/** Stream `batches` as newline-delimited JSON (one object per row, columns in schema order), atomically. */
export async function writeNdjsonFile(
  path: string,
  schema: Schema,
  batches: BatchSource,
): Promise<WrittenFile> {
  if (schema.fields.length === 0) {
    throw new FanoutError(`cannot write ${path}: the schema has no columns`, {
      context: { stage: 'sink', path },
    });
  }
  let rows = 0;
  try {
    await writeFileAtomic(path, async (temp) => {
      const out = createWriteStream(temp, { flags: 'wx' });
      const closed = once(out, 'close');
      try {
        for await (const batch of iterateBatches(batches)) {
          const conformed = conformBatch(batch, schema);
          rows += conformed.numRows;
          if (!out.write(batchLines(conformed))) await once(out, 'drain');
        }
      } catch (err) {
        out.destroy();
        await closed.catch(() => undefined);
        throw asError(err);
      }
      out.end();
      await closed;
    });
  } catch (err) {
    throw sinkError(err, 'NDJSON file', path);
  }
  const { size } = await stat(path);
  return { path: resolve(path), bytes: size, rows };
}
