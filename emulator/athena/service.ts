import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Principal } from '../identity.js';
import { ApiError } from '../protocol.js';
import type { EmulatorRecord, RecordedQuery } from '../record.js';
import type { S3Store } from '../s3.js';
import type { Scenario } from '../scenario.js';
import type { ScenarioCatalog } from '../glue/catalog.js';
import { DataAccess } from './data-access.js';
import { getDataCatalog } from './data-catalogs.js';
import type { AccountDatabases } from './engine.js';
import { describeExecution, invalid, outputFile, resultsPage, type Execution } from './execution.js';
import { injectedFailure, writeResult, writeUnload } from './outcome.js';
import { bindParameters } from './params.js';
import { checkOutputBucket, resultWriteFailure } from './results-access.js';
import { parseExplain, resultBytes, runStatement } from './run-statement.js';
import { userError, type AthenaErrorShape, type QueryOutput, type UnloadOutput } from './shapes.js';
import { outputPrefix, parseStartInput, type StartInput } from './start-input.js';
import { isUnload, parseUnload } from './unload.js';
import {
  findWorkgroup,
  objectEncryption,
  resultSettings,
  usableWorkgroup,
  workgroupShape,
  type ResultSettings,
} from './workgroups.js';

const DDL = /^\s*(create|drop|alter|show|describe|msck)\b/i;

/** Athena in every account: queries run against the caller's own account database. */
export class AthenaService {
  private readonly executions = new Map<string, Execution>();
  private readonly tokens = new Map<string, string>();
  private readonly failCounts = new Map<number, number>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly stop = new AbortController();
  private readonly access: DataAccess;

  constructor(
    private readonly scenario: Scenario,
    private readonly dbs: AccountDatabases,
    private readonly s3: S3Store,
    private readonly record: EmulatorRecord,
    private readonly catalog: ScenarioCatalog,
  ) {
    this.access = new DataAccess(catalog, dbs, s3);
  }

  handle = (
    caller: Principal,
    action: string,
    input: Record<string, unknown>,
    ctx: { region?: string } = {},
  ): Promise<unknown> => {
    switch (action) {
      case 'StartQueryExecution':
        return Promise.resolve(this.start(caller, input, ctx.region));
      case 'GetQueryExecution':
        return Promise.resolve({
          QueryExecution: describeExecution(this.find(caller, input.QueryExecutionId)),
        });
      case 'BatchGetQueryExecution':
        return Promise.resolve(this.batchGet(caller, input));
      case 'GetQueryResults':
        return Promise.resolve(this.results(caller, input));
      case 'StopQueryExecution': {
        const ex = this.find(caller, input.QueryExecutionId);
        if (ex.state === 'QUEUED' || ex.state === 'RUNNING') this.finish(ex, 'CANCELLED');
        const wait = this.scenario.knobs.stopLatencyMs;
        return wait > 0
          ? sleep(wait, undefined, { signal: this.stop.signal }).then(
              () => ({}),
              () => ({}),
            )
          : Promise.resolve({});
      }
      case 'GetWorkGroup':
        return Promise.resolve(this.workgroup(caller, input.WorkGroup));
      case 'GetDataCatalog':
        return Promise.resolve(getDataCatalog(this.catalog, caller, input, ctx.region));
      default:
        return Promise.reject(
          new ApiError('UnknownOperationException', `The emulator does not implement ${action}.`, 400),
        );
    }
  };

  private activeIn(accountId: string): number {
    let n = 0;
    for (const ex of this.executions.values()) {
      if (ex.accountId === accountId && (ex.state === 'QUEUED' || ex.state === 'RUNNING')) n++;
    }
    return n;
  }

  private workgroup(caller: Principal, name: unknown): unknown {
    const wg = findWorkgroup(this.scenario, this.catalog, caller.accountId, String(name));
    if (!wg) throw invalid(`WorkGroup ${String(name)} is not found.`);
    return workgroupShape(wg);
  }

  private start(caller: Principal, input: Record<string, unknown>, region: string | undefined): unknown {
    const req = parseStartInput(input);
    const wg = usableWorkgroup(
      findWorkgroup(this.scenario, this.catalog, caller.accountId, req.workgroup),
      req.workgroup,
    );
    const tokenKey = req.token === undefined ? undefined : `${caller.accountId}\n${req.token}`;
    const previous = tokenKey === undefined ? undefined : this.tokens.get(tokenKey);
    if (previous !== undefined) {
      const [id, seen] = previous.split('\n\n') as [string, string];
      if (seen !== req.fingerprint) throw invalid('Idempotent parameters do not match');
      return { QueryExecutionId: id };
    }
    const settings = resultSettings(wg, {
      outputLocation: req.outputLocation,
      encryption: req.encryption,
    });
    const output = outputPrefix(settings.outputLocation);
    if (this.scenario.knobs.checkResultsAccess) checkOutputBucket(caller, output);
    const limit = this.scenario.knobs.maxConcurrentQueriesPerAccount;
    if (limit > 0 && this.activeIn(caller.accountId) >= limit) {
      throw new ApiError(
        'TooManyRequestsException',
        'You have exceeded the limit for the number of queries you can run concurrently. Reduce the number of concurrent queries submitted by this account. Contact customer support to request a concurrent query limit increase.',
        400,
        { Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' },
      );
    }
    const { ex, mismatch } = this.newExecution(caller, req, output, { settings, region });
    if (wg.bytesScannedCutoffPerQuery !== undefined) ex.bytesScannedCutoff = wg.bytesScannedCutoffPerQuery;
    this.executions.set(ex.id, ex);
    if (tokenKey !== undefined) this.tokens.set(tokenKey, `${ex.id}\n\n${req.fingerprint}`);
    this.record.queries.push(ex.rec);
    this.record.maxActiveQueries = Math.max(this.record.maxActiveQueries, this.record.activeQueries());
    const byAccount = this.record.maxActiveQueriesByAccount;
    byAccount[caller.accountId] = Math.max(byAccount[caller.accountId] ?? 0, this.activeIn(caller.accountId));
    const p = this.execute(ex, mismatch).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
    return { QueryExecutionId: ex.id };
  }

  /**
   * A QUEUED execution with its parameters bound. `mismatch` is why it will fail although it was
   * accepted: Athena reports a wrong parameter count or a malformed UNLOAD as a FAILED query.
   */
  private newExecution(
    caller: Principal,
    req: StartInput,
    output: string,
    where: { settings: ResultSettings; region: string | undefined },
  ): { ex: Execution; mismatch: string | undefined } {
    const id = randomUUID();
    const now = Date.now();
    const bound = bindParameters(req.queryString, req.parameters ?? []);
    const rec: RecordedQuery = {
      id,
      accountId: caller.accountId,
      callerArn: caller.arn,
      sql: bound.sql,
      database: req.database,
      workgroup: req.workgroup,
      outputLocation: output,
      state: 'QUEUED',
      startedAt: now,
    };
    const unload = isUnload(bound.sql) ? parseUnload(bound.sql) : undefined;
    const explain = parseExplain(bound.sql);
    const encryption = where.settings.encryption;
    const stored = objectEncryption(encryption, where.region ?? 'us-east-1', caller.accountId);
    const ex: Execution = {
      id,
      accountId: caller.accountId,
      queryString: req.queryString,
      sql: bound.sql,
      parameters: req.parameters,
      database: req.database,
      catalog: req.catalog,
      workgroup: req.workgroup,
      outputPrefix: output,
      ...(typeof unload === 'object' ? { unload } : {}),
      ...(explain ? { explain } : {}),
      ...(encryption ? { encryption } : {}),
      ...(stored ? { objectEncryption: stored } : {}),
      caller,
      region: where.region,
      statementType: explain ? 'UTILITY' : DDL.test(req.queryString) ? 'DDL' : 'DML',
      state: 'QUEUED',
      submittedAt: now,
      dataScanned: 0,
      rec,
    };
    const found = req.parameters?.length ?? 0;
    const mismatch =
      bound.expected !== found
        ? `Incorrect number of parameters: expected ${bound.expected} but found ${found}`
        : typeof unload === 'string'
          ? unload
          : undefined;
    return { ex, mismatch };
  }

  private async execute(ex: Execution, mismatch: string | undefined): Promise<void> {
    const slow = this.scenario.knobs.slowQueries.find((r) =>
      ex.sql.toLowerCase().includes(r.match.toLowerCase()),
    );
    const latency = slow?.latencyMs ?? this.scenario.knobs.queryLatencyMs;
    const injected =
      mismatch !== undefined
        ? userError(mismatch)
        : injectedFailure(this.scenario.knobs.failQueries, this.failCounts, ex);
    // An UNLOAD that fails (failQueries) still writes its parts first.
    const orphans = ex.unload !== undefined && mismatch === undefined ? injected : undefined;
    const deps = { dbs: this.dbs, access: this.access, knobs: this.scenario.knobs };
    const work: Promise<QueryOutput | UnloadOutput | AthenaErrorShape> =
      injected && !orphans
        ? Promise.resolve(injected)
        : runStatement(deps, ex).catch((err: unknown) => userError((err as Error).message));
    try {
      await sleep(Math.floor(latency / 3), undefined, { signal: this.stop.signal });
      if (ex.state === 'QUEUED') {
        ex.state = ex.rec.state = 'RUNNING';
        ex.runningAt = Date.now();
      }
      await sleep(latency - Math.floor(latency / 3), undefined, { signal: this.stop.signal });
    } catch {
      await work.catch(() => undefined);
      return;
    }
    let outcome = await work;
    if (ex.state !== 'RUNNING') return;
    if (this.overCutoff(ex, outcome)) return;
    if (this.scenario.knobs.checkResultsAccess && !('ErrorCategory' in outcome))
      outcome = resultWriteFailure(ex.caller, outputFile(ex), ex.encryption) ?? outcome;
    if ('parts' in outcome) outcome = writeUnload(this.s3, ex, outcome, orphans) ?? ex.result!;
    else if (!('ErrorCategory' in outcome)) {
      ex.result = outcome;
      writeResult(this.s3, ex, outcome);
      if (ex.explainScanned !== undefined) ex.dataScanned = ex.explainScanned;
    }
    if ('ErrorCategory' in outcome) {
      ex.error = outcome;
      ex.reason = outcome.ErrorMessage;
      this.finish(ex, 'FAILED');
      return;
    }
    this.finish(ex, 'SUCCEEDED');
  }

  /**
   * The workgroup's BytesScannedCutoffPerQuery: a query that would scan more is stopped at the limit,
   * CANCELLED with Athena's reason, and writes no result.
   */
  private overCutoff(ex: Execution, outcome: QueryOutput | UnloadOutput | AthenaErrorShape): boolean {
    if (ex.bytesScannedCutoff === undefined || 'ErrorCategory' in outcome) return false;
    const scanned =
      'parts' in outcome
        ? outcome.parts.reduce((n, p) => n + p.length, 0)
        : (ex.explainScanned ?? resultBytes(outcome));
    if (scanned <= ex.bytesScannedCutoff) return false;
    ex.dataScanned = ex.bytesScannedCutoff;
    ex.reason = 'Bytes scanned limit was exceeded';
    ex.error = userError(ex.reason);
    this.finish(ex, 'CANCELLED');
    return true;
  }

  private finish(ex: Execution, state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED'): void {
    const now = Date.now();
    ex.runningAt ??= now;
    ex.state = ex.rec.state = state;
    ex.completedAt = ex.rec.endedAt = now;
    if (state === 'CANCELLED') ex.reason ??= 'Query was cancelled by user';
  }

  private find(caller: Principal, id: unknown): Execution {
    const ex = typeof id === 'string' ? this.executions.get(id) : undefined;
    // Another account's query is as invisible as one that never existed.
    if (!ex || ex.accountId !== caller.accountId) throw invalid(`QueryExecution ${String(id)} was not found`);
    return ex;
  }

  private batchGet(caller: Principal, input: Record<string, unknown>): unknown {
    const ids = Array.isArray(input.QueryExecutionIds) ? input.QueryExecutionIds.map(String) : [];
    if (ids.length < 1 || ids.length > 50) {
      throw invalid('QueryExecutionIds must contain between 1 and 50 items');
    }
    const found: unknown[] = [];
    const missing: unknown[] = [];
    for (const id of ids) {
      const ex = this.executions.get(id);
      if (ex && ex.accountId === caller.accountId) found.push(describeExecution(ex));
      else
        missing.push({
          QueryExecutionId: id,
          ErrorCode: 'INVALID_INPUT',
          ErrorMessage: `QueryExecution ${id} was not found`,
        });
    }
    return { QueryExecutions: found, UnprocessedQueryExecutionIds: missing };
  }

  private results(caller: Principal, input: Record<string, unknown>): unknown {
    return resultsPage(this.find(caller, input.QueryExecutionId), input);
  }

  async close(): Promise<void> {
    this.stop.abort();
    await Promise.allSettled([...this.inflight]);
  }
}
