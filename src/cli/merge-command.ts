import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC, type RecordBatch, type Table } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import type { Logger } from 'pino';
import { loadConfig, type SinkConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { finishManifest, summarize, type ManifestDraft } from '../run-report.js';
import { conformBatch, unionSchemas, writeJsonAtomic } from '../sinks/index.js';
import type { Manifest, OutputRecord } from '../types.js';
import { shardDir, shardOutputPath, type Shard } from './shard.js';
import { writeSink } from './write-sink.js';

function renderPath(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(query|runId|runDate)\}/g, (_, k: string) => vars[k] ?? '');
}

async function readTable(path: string, type: SinkConfig['type']): Promise<Table> {
  const bytes = await readFile(path);
  if (type === 'arrow' || type === 'arrow-stream') return tableFromIPC(bytes);
  return tableFromIPC(readParquet(bytes).intoIPCStream());
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Reads every shard manifest of `runId`; `count` comes from the manifests themselves. */
export async function readShardManifests(manifestPath: string, runId: string) {
  const dir = shardDir(manifestPath, runId);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /^shard-\d+-of-\d+\.json$/.test(n));
  } catch {
    names = [];
  }
  if (names.length === 0) {
    throw new ConfigError([{ path: '', message: `no shard manifests for run ${runId} in ${dir}` }]);
  }
  const manifests: Manifest[] = [];
  for (const n of names.sort()) manifests.push(JSON.parse(await readFile(join(dir, n), 'utf8')) as Manifest);
  const counts = new Set(manifests.map((m) => m.shard?.count));
  if (counts.size !== 1 || manifests.some((m) => m.runId !== runId || !m.shard)) {
    throw new ConfigError([
      { path: '', message: `the manifests in ${dir} do not describe one sharded run ${runId}` },
    ]);
  }
  const count = manifests[0]!.shard!.count;
  const present = new Set(manifests.map((m) => m.shard!.index));
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !present.has(i));
  return { manifests, count, missing };
}

/**
 * `athena-fanout merge --run RUN_ID`: one manifest from the shard manifests (a shard without a
 * manifest makes the run partial or failed and is named), and the shard outputs merged into the
 * configured output paths.
 */
export async function mergeCommand(
  configPath: string | undefined,
  runId: string,
  log: Logger,
): Promise<number> {
  const { config } = await loadConfig(configPath ? { configPath } : {});
  const { manifests, count, missing } = await readShardManifests(config.manifest, runId);
  const first = manifests[0]!;
  const warnings = [...new Set(manifests.flatMap((m) => m.warnings))];
  for (const i of missing)
    warnings.push(`shard ${i} of ${count} wrote no manifest: its units are not in this run`);
  const shardErrors = manifests
    .filter((m) => m.error)
    .map((m) => `shard ${m.shard!.index}: ${m.error!.message}`);
  const draft: ManifestDraft = {
    manifestVersion: 1,
    runId,
    interrupted: manifests.some((m) => m.interrupted),
    startedAt: manifests.map((m) => m.startedAt).sort()[0]!,
    ...(first.configFile ? { configFile: first.configFile } : {}),
    region: first.region,
    ...(first.pricePerTB !== undefined ? { pricePerTB: first.pricePerTB } : {}),
    shards: { count, merged: manifests.map((m) => m.shard!.index).sort((a, b) => a - b), missing },
    accounts: first.accounts,
    units: manifests.flatMap((m) => m.units),
    outputs: [],
    warnings,
    ...(missing.length > 0 || shardErrors.length > 0
      ? {
          error: {
            message: [
              ...(missing.length > 0
                ? [`shards without a manifest: ${missing.join(', ')} (of ${count})`]
                : []),
              ...shardErrors,
            ].join('; '),
            stage: 'manifest',
          },
        }
      : {}),
  };

  const vars = { runId, runDate: runId.slice(0, 8) };
  for (const query of config.queries) {
    for (const sink of config.sinks) {
      const finalPath = renderPath(sink.path, { ...vars, query: query.name });
      const tables: Table[] = [];
      for (const m of manifests) {
        const shard: Shard = m.shard!;
        const part = renderPath(shardOutputPath(sink.path, runId, shard), { ...vars, query: query.name });
        // NDJSON parts cannot be read back exactly (types are gone); they are not merged.
        if (sink.type !== 'ndjson' && (await exists(part))) tables.push(await readTable(part, sink.type));
      }
      if (tables.length === 0) continue;
      const { schema, warnings: w } = unionSchemas(tables.map((t) => t.schema));
      draft.warnings.push(...w.map((x) => `query ${query.name}: ${x}`));
      const batches = function* (): Generator<RecordBatch> {
        for (const t of tables) for (const b of t.batches) yield conformBatch(b, schema);
      };
      const written = await writeSink(sink, finalPath, schema, batches());
      const record: OutputRecord = {
        query: query.name,
        type: sink.type,
        path: finalPath,
        rows: written.rows,
        bytes: written.bytes,
      };
      draft.outputs.push(record);
      log.info(
        { query: query.name, path: finalPath, rows: written.rows, shards: tables.length },
        'output merged',
      );
    }
  }
  const endedAt = new Date(
    manifests
      .map((m) => m.endedAt)
      .sort()
      .at(-1)!,
  );
  const manifest = finishManifest(draft, endedAt, draft.interrupted ? 'SIGTERM' : undefined);
  await writeJsonAtomic(config.manifest, manifest);
  process.stdout.write(`${summarize(manifest, config.manifest)}\n`);
  return manifest.exitCode;
}
