import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import type { Account } from '../accounts/index.js';
import { awsClientConfig, loadedSettings } from '../aws/index.js';
import type { PipelineConfig, ProvenanceColumn } from '../config/index.js';
import {
  type CsvDecodePool,
  type ExecutedQuery,
  type ExtraColumn,
  openQueryResults,
} from '../extract/index.js';
import { spillBatches, type SpilledResult, spillArea, spillMemory } from '../sinks/index.js';
import type { UnitRecord } from '../manifest.js';

const s3Clients = new WeakMap<AthenaClient, Promise<S3Client>>();

/** An S3 client with the same credentials and region as the account's Athena client. */
export function s3For(athena: AthenaClient): Promise<S3Client> {
  let client = s3Clients.get(athena);
  if (!client) {
    client = (async () => {
      const region = await athena.config.region();
      return new S3Client({
        ...awsClientConfig('s3', { region, credentials: athena.config.credentials }),
        ...loadedSettings(`s3/${region}`, () => new S3Client(awsClientConfig('s3', { region }))),
      });
    })();
    s3Clients.set(athena, client);
  }
  return client;
}

/** The `provenance:` columns of this unit, constant over its rows. */
export function provenanceValues(
  columns: readonly ProvenanceColumn[],
  account: Account,
  record: UnitRecord,
  executed: ExecutedQuery,
): ExtraColumn[] {
  const extractedAt = new Date().toISOString();
  const values: Record<ProvenanceColumn['field'], string | undefined> = {
    account_id: account.id,
    account_name: account.name,
    region: record.region,
    query_execution_id: executed.queryExecutionId,
    extracted_at: extractedAt,
    ou_path: account.ouPath,
  };
  return columns.map((c) => ({
    name: c.name,
    value: values[c.field],
    ...(c.field === 'extracted_at' ? { type: 'timestamp' as const } : {}),
  }));
}

/**
 * Reads a succeeded execution's results through the query's fetch path and spills them to an Arrow IPC
 * file in the run's spill area, so that memory holds one batch whatever the result size; a small
 * result stays in memory while the run's budget for them lasts.
 */
export async function fetchUnitResults(
  athena: AthenaClient,
  executed: ExecutedQuery,
  account: Account,
  query: PipelineConfig['queries'][number],
  record: UnitRecord,
  signal: AbortSignal,
  /** fetch: unload: the prefix the query's UNLOAD wrote to. */
  unloadPrefix?: string,
  csvPool?: CsvDecodePool,
): Promise<SpilledResult> {
  const fetch = query.fetch;
  const stream = await openQueryResults(athena, executed, {
    fetch,
    // A getter: auto only needs S3 (and the client) for results longer than one page.
    ...(fetch === 'api' ? {} : { s3: () => s3For(athena) }),
    unload: {
      ...(unloadPrefix === undefined ? {} : { prefix: unloadPrefix }),
      keep: query.unload.keep,
      tempDir: await spillArea(),
      onCleanupFailed: (reason) => {
        record.unloadCleanup = reason;
      },
    },
    extraColumns: provenanceValues(query.provenance, account, record, executed),
    signal,
    ...(csvPool ? { csvPool } : {}),
    context: { accountId: account.id, queryName: query.name },
    onFallback: (reason) => {
      record.fetchFallback = reason;
    },
  });
  record.fetch = stream.fetch;
  const file = join(
    await spillArea(),
    `${query.name}-${account.id}-${randomBytes(4).toString('hex')}.arrows`,
  );
  return spillBatches(file, stream.schema, stream.batches, { memory: spillMemory() });
}
