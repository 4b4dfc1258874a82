import { resolve } from 'node:path';
import type { PipelineConfigParsed } from './schema.js';
import type { AppendMode, SinkConfig } from './types.js';
import { withoutUndefined } from './without-undefined.js';

/** Sinks with local paths made absolute against the config's directory. */
export function normaliseSinks(sinks: PipelineConfigParsed['sinks'], baseDir: string): SinkConfig[] {
  // s3:// destinations are URLs, not paths relative to the config file.
  const sinkPath = (path: string) => (path.startsWith('s3://') ? path : resolve(baseDir, path));
  return sinks.map((sink) =>
    withoutUndefined(
      sink.type === 'parquet'
        ? {
            type: 'parquet' as const,
            path: sinkPath(sink.path),
            compression: sink.compression,
            rowGroupSize: sink.rowGroupSize,
            ifExists: sink.ifExists,
            layout: sink.layout,
            sse: sink.sse,
            kmsKeyId: sink.kmsKeyId,
            bucketKey: sink.bucketKey,
            append: appendMode(sink),
            register: sink.register && withoutUndefined(sink.register),
          }
        : {
            type: sink.type,
            path: sinkPath(sink.path),
            ifExists: sink.ifExists,
            layout: sink.layout,
            sse: sink.sse,
            kmsKeyId: sink.kmsKeyId,
            bucketKey: sink.bucketKey,
            append: appendMode(sink),
          },
    ),
  );
}

/** `mode: append` with its partitioning (by run date unless told); undefined in replace mode. */
function appendMode(sink: PipelineConfigParsed['sinks'][number]): AppendMode | undefined {
  if (sink.mode !== 'append') return undefined;
  return withoutUndefined({ partitionBy: sink.partitionBy ?? 'runDate', retention: sink.retention });
}
