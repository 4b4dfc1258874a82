import type { AthenaClient } from '@aws-sdk/client-athena';
import type { S3Client } from '@aws-sdk/client-s3';
import { FanoutError } from '../../errors.js';
import type { ExecutedQuery } from '../query/query-outcome.js';
import { type S3ResultsOptions, streamS3Results } from './stream-s3-results.js';
import { firstResultsPage, type QueryResultStream, streamQueryResults } from './stream-query-results.js';
import { streamUnloadResults, type UnloadResultsOptions } from './unload-results.js';

/**
 * How results are fetched: `auto` reads the CSV from S3 when the result is larger than one
 * GetQueryResults page and S3 can be read, else pages GetQueryResults; `unload` reads the Parquet parts
 * of an execution that ran the query wrapped in UNLOAD.
 */
export type FetchMode = 'auto' | 'api' | 's3' | 'unload';

/** A client with the account's credentials, or how to get one (only asked when S3 is read). */
export type S3Source = S3Client | (() => Promise<S3Client>);

export interface OpenResultsOptions extends S3ResultsOptions {
  fetch?: FetchMode;
  /** Needed for `s3` and `unload` (and for `auto` to choose S3). */
  s3?: S3Source;
  /** Told why `auto` read through the API rather than S3. */
  onFallback?: (reason: string) => void;
  /** For `unload`: the TO prefix, whether to keep the parts, cleanup trouble. */
  unload?: Pick<UnloadResultsOptions, 'prefix' | 'keep' | 'onCleanupFailed' | 'tempDir'>;
}

/** Why S3 cannot be read for this execution, or undefined when it can be tried. */
export function s3Obstacle(executed: ExecutedQuery, s3: S3Source | undefined): string | undefined {
  if (!s3) return 'no S3 client';
  if (!executed.outputLocation) return 'managed query results (no S3 output location)';
  if (!executed.outputLocation.endsWith('.csv'))
    return `the result file ${executed.outputLocation} is not CSV`;
  if (executed.encryption === 'CSE_KMS') return 'results are client-side encrypted (CSE_KMS)';
  return undefined;
}

function s3Client(source: S3Source): Promise<S3Client> {
  return typeof source === 'function' ? source() : Promise.resolve(source);
}

/**
 * Opens the results of a succeeded execution through the chosen path. The paths give the same schema
 * and values (see docs/types.md). `auto` reads the first GetQueryResults page (it gives the column
 * types either way): a result that fits it is built from it, with no S3 call; a longer one is read from
 * S3, falling back to the API when the S3 object cannot be used. `s3` always reads S3.
 */
export async function openQueryResults(
  athena: AthenaClient,
  executed: ExecutedQuery,
  opts: OpenResultsOptions = {},
): Promise<QueryResultStream> {
  const mode = opts.fetch ?? 'auto';
  const id = executed.queryExecutionId;
  if (mode === 'api') return streamQueryResults(athena, id, opts);
  if (mode === 'unload') {
    if (!opts.s3) {
      throw new FanoutError(`fetch: unload needs an S3 client (execution ${id})`, {
        context: { stage: 'results', ...opts.context, queryExecutionId: id },
      });
    }
    return streamUnloadResults(await s3Client(opts.s3), executed, { ...opts, ...opts.unload });
  }
  const obstacle = s3Obstacle(executed, opts.s3);
  if (obstacle !== undefined) {
    if (mode === 's3') {
      throw new FanoutError(`fetch: s3 is not possible for execution ${id}: ${obstacle}`, {
        context: { stage: 'results', ...opts.context, queryExecutionId: id },
      });
    }
    opts.onFallback?.(obstacle);
    return streamQueryResults(athena, id, opts);
  }
  const first = mode === 'auto' ? await firstResultsPage(athena, id, opts) : undefined;
  if (first && !first.NextToken) {
    opts.onFallback?.('the whole result fit the first GetQueryResults page');
    return streamQueryResults(athena, id, opts, first);
  }
  try {
    const columns = first?.ResultSet?.ResultSetMetadata?.ColumnInfo;
    return await streamS3Results(athena, await s3Client(opts.s3!), id, executed.outputLocation!, {
      ...opts,
      ...(columns ? { columns } : {}),
    });
  } catch (err) {
    const unreadable = err instanceof FanoutError && err.context.s3Unreadable === true;
    if (mode === 's3' || !unreadable || opts.signal?.aborted) throw err;
    opts.onFallback?.(`S3 result file not readable: ${err.message}`);
    return streamQueryResults(athena, id, opts, first);
  }
}
