import {
  type AthenaClient,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { createHash } from 'node:crypto';
import { awsErrorInfo, type ErrorContext, FanoutError } from '../../errors.js';

export interface QueryEncryption {
  option: 'SSE_S3' | 'SSE_KMS' | 'CSE_KMS';
  kmsKey?: string;
}

export interface AthenaQuerySpec {
  queryName: string;
  sql: string;
  workgroup?: string;
  catalog?: string;
  database?: string;
  /** Already substituted per account. */
  outputLocation?: string;
  /** Idempotency token, 32..128 characters (see `clientRequestToken`). */
  clientRequestToken?: string;
  /** SQL literal texts for the `?` placeholders, in order (strings already quoted). */
  executionParameters?: string[];
  encryption?: QueryEncryption;
  /** Reuse a previous identical query's results up to this old (Athena caps it at 10080). */
  resultReuseMinutes?: number;
}

/**
 * A token that names one attempt of one query in one account and region of one process's attempt at
 * a run: the SDK's retries of one Start resend it and get the same query back instead of a second
 * one; a deliberate resubmit (another attempt) gets a new query; and `nonce`, drawn once by each
 * process that runs the run id, keeps a resumed run (same run id, started again) from being handed
 * the executions an earlier process started, which may have been stopped.
 */
export function clientRequestToken(parts: {
  runId: string;
  accountId: string;
  region: string;
  query: string;
  attempt: number;
  nonce?: string;
}): string {
  const text = [parts.runId, parts.accountId, parts.region, parts.query, String(parts.attempt)];
  if (parts.nonce !== undefined) text.push(parts.nonce);
  return createHash('sha256').update(text.join('\n')).digest('hex');
}

/** Athena refused the start because the account already runs as many queries as its quota allows. */
export const CONCURRENCY_LIMIT = 'ConcurrentQueryLimitExceeded';

export function isConcurrencyLimit(err: unknown): boolean {
  return err instanceof FanoutError && err.context.awsReason === 'CONCURRENT_QUERY_LIMIT_EXCEEDED';
}

function startInput(spec: AthenaQuerySpec): StartQueryExecutionCommandInput {
  const enc = spec.encryption;
  return {
    QueryString: spec.sql,
    ...(spec.workgroup ? { WorkGroup: spec.workgroup } : {}),
    ...(spec.catalog || spec.database
      ? {
          QueryExecutionContext: {
            ...(spec.catalog ? { Catalog: spec.catalog } : {}),
            ...(spec.database ? { Database: spec.database } : {}),
          },
        }
      : {}),
    ...(spec.outputLocation || enc
      ? {
          ResultConfiguration: {
            ...(spec.outputLocation ? { OutputLocation: spec.outputLocation } : {}),
            ...(enc
              ? {
                  EncryptionConfiguration: {
                    EncryptionOption: enc.option,
                    ...(enc.kmsKey ? { KmsKey: enc.kmsKey } : {}),
                  },
                }
              : {}),
          },
        }
      : {}),
    ...(spec.executionParameters?.length ? { ExecutionParameters: spec.executionParameters } : {}),
    ...(spec.resultReuseMinutes
      ? {
          ResultReuseConfiguration: {
            ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: spec.resultReuseMinutes },
          },
        }
      : {}),
    ...(spec.clientRequestToken ? { ClientRequestToken: spec.clientRequestToken } : {}),
  };
}

/** StartQueryExecution; its errors become FanoutErrors (the concurrency quota one recognisable). */
export async function startQuery(
  athena: AthenaClient,
  spec: AthenaQuerySpec,
  ctx: ErrorContext,
): Promise<string> {
  const command = new StartQueryExecutionCommand(startInput(spec));
  // The SDK would retry this TooManyRequestsException as throttling, burning attempts against a quota
  // that only frees up when a query ends; hide it from the SDK's retry so the caller can wait instead.
  command.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        if ((err as { Reason?: unknown } | null)?.Reason === 'CONCURRENT_QUERY_LIMIT_EXCEEDED') {
          const e = err as Error & { $metadata?: unknown };
          throw Object.assign(new Error(e.message), {
            name: CONCURRENCY_LIMIT,
            $metadata: e.$metadata,
            cause: err,
          });
        }
        throw err;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'athenaFanoutConcurrencyLimit' },
  );
  let id: string | undefined;
  try {
    id = (await athena.send(command)).QueryExecutionId;
  } catch (err) {
    throw apiError('StartQueryExecution', err, ctx);
  }
  if (!id) throw new FanoutError('StartQueryExecution returned no QueryExecutionId', { context: ctx });
  return id;
}

export function apiError(action: string, err: unknown, ctx: ErrorContext): FanoutError {
  // A credential provider's failure (a refused role hop) surfaces through the SDK call and already
  // names the hop, role and AWS's words; keep it, adding only what this query adds.
  if (err instanceof FanoutError) {
    Object.assign(err.context, { ...ctx, ...err.context });
    return err;
  }
  const limit = (err as { name?: unknown } | null)?.name === CONCURRENCY_LIMIT;
  const original = limit ? (err as { cause: unknown }).cause : err;
  const info = awsErrorInfo(original);
  const athenaErrorCode = (original as { AthenaErrorCode?: unknown } | null)?.AthenaErrorCode;
  return new FanoutError(
    `${action} failed for query ${String(ctx.queryName)}: ${info.code}: ${info.message}`,
    {
      cause: original,
      retryable: info.retryable,
      context: {
        ...ctx,
        awsCode: info.code,
        awsMessage: info.message,
        ...(limit ? { awsReason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' } : {}),
        ...(info.requestId ? { requestId: info.requestId } : {}),
        ...(typeof athenaErrorCode === 'string' ? { athenaErrorCode } : {}),
      },
    },
  );
}
