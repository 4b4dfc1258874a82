import { readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { RecordBatch, Schema } from 'apache-arrow';
import type { SinkConfig } from '../config/index.js';
import { deleteS3Key, deleteS3Keys, listS3Objects, putS3Object, s3ObjectExists } from '../aws/index.js';
import { writeFileAtomic, type WrittenFile, s3Options, writeSink } from '../sinks/index.js';

/**
 * Where a partitioned dataset's files go, addressed by paths relative to the dataset
 * (`account_id=1/part-0000.parquet`, `_SUCCESS`): a local directory or an S3 prefix.
 */
export interface DatasetStore {
  /** The dataset's own location: a directory or `s3://bucket/prefix/query=q`. */
  location: string;
  exists(rel: string): Promise<boolean>;
  remove(rels: readonly string[]): Promise<void>;
  /** Every file under the dataset, as a relative path with `/` and its size. */
  list(): Promise<{ path: string; bytes: number }[]>;
  /** One whole file: atomic rename locally, a multipart upload completed only when whole on S3. */
  writePart(rel: string, schema: Schema, batches: AsyncIterable<RecordBatch>): Promise<WrittenFile>;
  writeText(rel: string, text: string, contentType: string): Promise<void>;
}

/** The directories of `rel` under `dir`, deepest first, as long as each is empty. */
async function removeEmptyParents(dir: string, rel: string): Promise<void> {
  for (let d = dirname(join(dir, rel)); d.length > dir.length; d = dirname(d)) {
    const removed = await rmdir(d).then(
      () => true,
      () => false,
    );
    if (!removed) return;
  }
}

export function localDatasetStore(sink: SinkConfig, dir: string): DatasetStore {
  return {
    location: dir,
    exists: (rel) =>
      stat(join(dir, rel)).then(
        () => true,
        () => false,
      ),
    async remove(rels) {
      for (const rel of rels) {
        await rm(join(dir, rel), { force: true });
        // Partition directories left empty go too (both levels in append mode), so readers do not see
        // an empty partition.
        await removeEmptyParents(dir, rel);
      }
    },
    async list() {
      const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
      const files = [];
      for (const e of entries.filter((f) => f.isFile())) {
        const full = join(e.parentPath, e.name);
        // A file removed since the listing (a concurrent cleanup) is simply not there.
        const size = await stat(full).then(
          (s) => s.size,
          () => undefined,
        );
        if (size !== undefined)
          files.push({
            path: full
              .slice(dir.length + 1)
              .split(sep)
              .join('/'),
            bytes: size,
          });
      }
      return files;
    },
    writePart: (rel, schema, batches) => writeSink(sink, join(dir, rel), schema, batches),
    writeText: (rel, text) => writeFileAtomic(join(dir, rel), (temp) => writeFile(temp, text)),
  };
}

/** `s3://bucket/prefix/query=q` as a store; keys are `prefix/query=q/<rel>`. */
export function s3DatasetStore(sink: SinkConfig, url: string, s3: () => S3Client): DatasetStore {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new Error(`internal: not an S3 dataset URL: ${url}`);
  const bucket = m[1]!;
  const prefix = `${m[2]!.replace(/\/+$/, '')}/`;
  const key = (rel: string) => `${prefix}${rel}`;
  return {
    location: `s3://${bucket}/${prefix.slice(0, -1)}`,
    exists: (rel) => s3ObjectExists(s3(), `s3://${bucket}/${key(rel)}`),
    async remove(rels) {
      if (rels.length === 1) await deleteS3Key(s3(), bucket, key(rels[0]!));
      else if (rels.length > 1) await deleteS3Keys(s3(), bucket, rels.map(key));
    },
    list: async () =>
      (await listS3Objects(s3(), bucket, prefix)).map((o) => ({
        path: o.key.slice(prefix.length),
        bytes: o.bytes,
      })),
    writePart: (rel, schema, batches) => writeSink(sink, `s3://${bucket}/${key(rel)}`, schema, batches, s3),
    writeText: (rel, text, contentType) =>
      putS3Object(s3(), `s3://${bucket}/${key(rel)}`, text, contentType, s3Options(sink)),
  };
}
