import type { CredentialProvider } from '../aws/index.js';
import type { SinkConfig } from '../config/index.js';
import { type DatasetStore, registerTable } from '../datasets/index.js';
import type { OutputRecord } from '../manifest.js';
import type { QueryOutputs } from './query-outputs.js';

/** The credentials of the catalog calls: the master chain's, or `accountId`'s account chain. */
export type CatalogCredentials = (accountId: string | undefined) => CredentialProvider;

/**
 * A written dataset with `register:` becomes (or updates) its Glue table; the outcome goes on the
 * output's record. A refusal is recorded, logged and makes the run partial; it never touches the
 * dataset, which is written already.
 */
export async function registerDataset(
  q: QueryOutputs,
  sink: SinkConfig,
  store: DatasetStore,
  record: OutputRecord,
  credentials: CatalogCredentials,
): Promise<void> {
  if (sink.type !== 'parquet' || !sink.register) return;
  const { register } = sink;
  const accountKey = q.query.provenance.find((p) => p.field === 'account_id')?.name ?? 'account_id';
  try {
    record.registered = await registerTable({
      register,
      store,
      schema: q.schema,
      accountKey,
      region: q.config.region,
      credentials: credentials(register.accountId),
    });
    q.log.info({ query: q.query.name, ...record.registered }, 'table registered');
  } catch (err) {
    const error = (err as Error).message;
    record.registered = { database: register.database, table: register.table, state: 'failed', error };
    q.log.error(
      { query: q.query.name, database: register.database, table: register.table, error },
      'table not registered',
    );
  }
}
