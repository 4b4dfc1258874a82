import type { Logger } from 'pino';
import type { PipelineConfig } from '../config/index.js';
import { readSpilled, unionSchemas, writeArrowFile, writeParquetFile } from '../sinks/index.js';
import type { OutputRecord } from '../types.js';
import type { UnitValue } from './run-unit.js';
import { removeSpillArea } from './spill-area.js';

function renderPath(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(query|runId|runDate)\}/g, (_, k: string) => vars[k] ?? '');
}

/**
 * Writes one merged file per query and sink from the units that succeeded, in account order. Each
 * unit's spilled results are streamed back batch by batch (the writers conform each batch to the
 * merged schema), so memory holds a batch and a row group, never a whole result.
 */
export async function writeOutputs(config: PipelineConfig, runId: string, results: UnitValue[], log: Logger) {
  const outputs: OutputRecord[] = [];
  const warnings: string[] = [];
  try {
    for (const query of config.queries) {
      const parts = results.filter((r) => r.record.query === query.name && r.data).map((r) => r.data!);
      if (parts.length === 0) {
        warnings.push(`query ${query.name}: no account succeeded, so no output file was written`);
        continue;
      }
      const { schema, warnings: schemaWarnings } = unionSchemas(parts.map((p) => p.schema));
      warnings.push(...schemaWarnings.map((w) => `query ${query.name}: ${w}`));
      const batches = async function* () {
        for (const p of parts) yield* readSpilled(p);
      };
      const vars = { query: query.name, runId, runDate: runId.slice(0, 8) };
      for (const sink of config.sinks) {
        const path = renderPath(sink.path, vars);
        const written =
          sink.type === 'parquet'
            ? await writeParquetFile(path, schema, batches(), { compression: sink.compression })
            : await writeArrowFile(path, schema, batches());
        outputs.push({ query: query.name, type: sink.type, path, rows: written.rows, bytes: written.bytes });
        log.info({ query: query.name, path, rows: written.rows }, 'output written');
      }
    }
  } finally {
    await removeSpillArea();
  }
  return { outputs, warnings };
}
