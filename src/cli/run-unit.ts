import type { AthenaClient } from '@aws-sdk/client-athena';
import type { PipelineConfig } from '../config/index.js';
import type { Account } from '../accounts/account.js';
import { executeQuery } from '../extract/index.js';
import type { SpilledResult } from '../sinks/index.js';
import { retry } from '../scheduler/index.js';
import type { UnitRecord } from '../types.js';
import { fetchUnitResults } from './fetch-unit-results.js';
import { isRetryable, unitError } from './unit-error.js';

const UNIT_ATTEMPTS = 3;

export interface UnitValue {
  record: UnitRecord;
  /** The results, spilled to an Arrow IPC file until the outputs are written. */
  data?: SpilledResult;
}

/** One (account, query) unit: run the query, retrying what can help, and read its results. */
export async function runUnit(
  athena: AthenaClient,
  account: Account,
  query: PipelineConfig['queries'][number],
  signal: AbortSignal,
  /** The region `athena` calls; `<region>` in the output location becomes it. */
  region?: string,
): Promise<UnitValue> {
  const record: UnitRecord = {
    accountId: account.id,
    ...(account.name ? { accountName: account.name } : {}),
    ...(region ? { region } : {}),
    query: query.name,
    state: 'failed',
    attempts: 0,
    queryExecutionIds: [],
    rows: 0,
    startedAt: new Date().toISOString(),
  };
  const outputLocation = query.outputLocation
    ?.replace(/<accountId>|\{accountId\}/g, account.id)
    .replace(/<region>|\{region\}/g, region ?? '');
  try {
    const data = await retry(
      async () => {
        record.attempts++;
        const executed = await executeQuery(
          athena,
          {
            queryName: query.name,
            sql: query.sql,
            workgroup: query.workgroup,
            ...(query.database ? { database: query.database } : {}),
            ...(query.catalog ? { catalog: query.catalog } : {}),
            ...(outputLocation ? { outputLocation } : {}),
          },
          { signal, onStarted: (id) => record.queryExecutionIds.push(id) },
        );
        Object.assign(record, executed.stats);
        return fetchUnitResults(athena, executed, account, query, record, signal);
      },
      { attempts: UNIT_ATTEMPTS, isRetryable, signal },
    );
    record.state = 'succeeded';
    record.rows = data.rows;
    return { record, data };
  } catch (err) {
    record.state = signal.aborted ? 'cancelled' : 'failed';
    record.error = unitError(err);
    return { record };
  } finally {
    record.endedAt = new Date().toISOString();
  }
}
