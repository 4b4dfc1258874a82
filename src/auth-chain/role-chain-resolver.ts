import { AssumeRoleCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import pLimit, { type LimitFunction } from 'p-limit';
import { memoizeAsync, type MemoizedAsync } from '../scheduler/index.js';
import { awsClientConfig } from '../aws/client-config.js';
import type { CredentialProvider } from '../aws/index.js';
import { BaseCredentialsFailure, chainError, HopFailure, type ChainContext } from './chain-errors.js';
import type { CredentialSource, MfaSource } from '../config/credential-source.js';
import { credentialsNeedRefresh, type TimedCredentials } from './refresh.js';
import { mapHopText, substituteRunId, type RoleHop } from '../config/role-hop.js';
import { assumeRoleInput, sessionDuration, sessionIdentity } from './assume-role-input.js';

export interface AssumeRoleEvent {
  chain: 'master' | 'account';
  accountId?: string;
  hopIndex: number;
  roleArn: string;
  ok: boolean;
  error?: unknown;
}

export interface RoleChainResolverOptions {
  /** STS region (the regional endpoint). */
  region: string;
  base: CredentialProvider;
  onAssumeRole?: (e: AssumeRoleEvent) => void;
  /** Extra STS client options (retries, request handler). */
  clientOptions?: Record<string, unknown>;
  /** AssumeRole calls in flight at once, all chains together (default: no limit). */
  maxConcurrentAssumeRoles?: number;
  /** Replaces `{runId}` in session names, tag values and source identities. */
  runId?: string;
  /** SerialNumber and TokenCode for every hop assumed straight from the base credentials. */
  mfa?: MfaSource;
  /** Which way in `base` is, named when it fails. */
  baseSource?: CredentialSource['kind'];
}

type Resolve = (ctx: ChainContext) => Promise<TimedCredentials>;

/** One hop of one distinct chain prefix, shared by every chain that starts with that prefix. */
interface HopNode {
  get: MemoizedAsync<undefined, TimedCredentials, [ChainContext]>;
  /** ARN of this hop's assumed-role session, once assumed: the caller of the next hop. */
  sessionArn?: string;
  last?: TimedCredentials;
}

/** What assuming one hop needs: the hop itself and how to reach its caller. */
interface HopStep {
  /** With `{runId}` filled. */
  hop: RoleHop;
  hopIndex: number;
  /** Only for the first hop, assumed straight from the base credentials. */
  mfa?: MfaSource;
  parent?: HopNode;
  callerResolve: Resolve;
  sts: STSClient;
}

function prefixKey(hops: readonly RoleHop[]): string {
  return JSON.stringify(
    hops.map((h) => [
      h.arn,
      h.sessionName,
      h.durationSeconds,
      h.externalId ?? null,
      h.tags ? Object.entries(h.tags).sort() : null,
      h.sourceIdentity ?? null,
    ]),
  );
}

/**
 * Credential providers for role chains. Every distinct chain prefix gets one memoized provider, so a hub
 * hop shared by 1,000 accounts is assumed once per session lifetime; concurrent callers share one
 * in-flight AssumeRole; failures are never cached; credentials are refreshed ahead of expiry by a margin
 * that fits their lifetime.
 */
export class RoleChainResolver {
  readonly #opts: RoleChainResolverOptions;
  readonly #nodes = new Map<string, HopNode>();
  readonly #stsClients = new Map<string, STSClient>();
  readonly #base: Resolve;
  readonly #limit: LimitFunction;

  constructor(opts: RoleChainResolverOptions) {
    this.#opts = opts;
    this.#limit = pLimit(opts.maxConcurrentAssumeRoles ?? Infinity);
    const base = opts.base;
    const source = opts.baseSource ?? 'default';
    this.#base = async () => {
      try {
        return { identity: await base(), obtainedAt: Date.now() };
      } catch (err) {
        throw err instanceof BaseCredentialsFailure ? err : new BaseCredentialsFailure(err, { source });
      }
    };
  }

  /**
   * A provider for `hops`, assumed in order from the base credentials. For an account chain that starts
   * from the master chain, pass `[...master, ...account]`: the master prefix is then shared.
   */
  provider(
    hops: readonly RoleHop[],
    ctx: { chain: 'master' | 'account'; accountId?: string },
  ): CredentialProvider {
    const context: ChainContext = {
      chain: ctx.chain,
      ...(ctx.accountId ? { accountId: ctx.accountId } : {}),
    };
    let resolve = this.#base;
    if (hops.length > 0) {
      const leaf = this.#node(hops, hops.length, context);
      resolve = (c) => leaf.get(undefined, c);
    }
    const hopCount = hops.length;
    return async () => {
      try {
        return (await resolve(context)).identity;
      } catch (err) {
        throw chainError(err, context, hopCount);
      }
    };
  }

  /** The node of the first `n` hops, creating the nodes of shorter prefixes on the way. */
  #node(hops: readonly RoleHop[], n: number, creator: ChainContext): HopNode {
    const key = prefixKey(hops.slice(0, n));
    const existing = this.#nodes.get(key);
    if (existing) return existing;
    const runId = this.#opts.runId ?? 'athena-fanout';
    const parent = n > 1 ? this.#node(hops, n - 1, creator) : undefined;
    const callerResolve: Resolve = parent ? (ctx) => parent.get(undefined, ctx) : this.#base;
    const step: HopStep = {
      hop: mapHopText(hops[n - 1]!, (text) => substituteRunId(text, runId)),
      hopIndex: n - 1,
      ...(n === 1 && this.#opts.mfa ? { mfa: this.#opts.mfa } : {}),
      ...(parent ? { parent } : {}),
      callerResolve,
      sts: this.#sts(n > 1 ? prefixKey(hops.slice(0, n - 1)) : '', callerResolve, creator),
    };
    const node: HopNode = {
      get: memoizeAsync((_: undefined, ctx: ChainContext) => this.#assume(node, step, ctx), {
        isStale: (c) => credentialsNeedRefresh(c, Date.now()),
      }),
    };
    this.#nodes.set(key, node);
    return node;
  }

  /** Assumes the hop of `node` with its caller's credentials (resolved, or refreshed, first). */
  async #assume(node: HopNode, step: HopStep, ctx: ChainContext): Promise<TimedCredentials> {
    const { hop, hopIndex, mfa } = step;
    const caller = await step.callerResolve(ctx);
    const duration = sessionDuration(hop, hopIndex, caller.identity);
    const callerArn = step.parent?.sessionArn;
    const event = { chain: ctx.chain, ...(ctx.accountId ? { accountId: ctx.accountId } : {}), hopIndex };
    try {
      const tokenCode = mfa ? await mfa.tokenCode() : undefined;
      const input = assumeRoleInput(hop, duration, mfa && { serialNumber: mfa.serialNumber, tokenCode });
      // Only the STS call takes a slot, never the wait for the caller's hop: no deadlock.
      const out = await this.#limit(() => step.sts.send(new AssumeRoleCommand(input)));
      const identity = sessionIdentity(out, hop.arn);
      if (out.AssumedRoleUser?.Arn) node.sessionArn = out.AssumedRoleUser.Arn;
      this.#opts.onAssumeRole?.({ ...event, roleArn: hop.arn, ok: true });
      node.last = { identity, obtainedAt: Date.now() };
      return node.last;
    } catch (err) {
      // The SDK resolving the caller's credentials itself (a race with their refresh) failed.
      if (err instanceof HopFailure || err instanceof BaseCredentialsFailure) throw err;
      const failure = new HopFailure(hopIndex, hop.arn, callerArn, err, hop.externalId);
      this.#opts.onAssumeRole?.({ ...event, roleArn: hop.arn, ok: false, error: chainError(failure, ctx) });
      // A refresh ahead of expiry that fails (throttling, a network blip) must not fail work that
      // the current session can still do; the next call tries again.
      const lastExpiry = node.last?.identity.expiration?.getTime();
      if (node.last && lastExpiry !== undefined && lastExpiry > Date.now()) return node.last;
      throw failure;
    }
  }

  /** One STS client per distinct caller (base, or one chain prefix), shared by every hop it assumes. */
  #sts(callerKey: string, callerResolve: Resolve, ctx: ChainContext): STSClient {
    let client = this.#stsClients.get(callerKey);
    if (!client) {
      // The hop has just resolved its caller's credentials before sending, so this is a cache hit.
      const credentials: CredentialProvider = async () => (await callerResolve(ctx)).identity;
      client = new STSClient({
        ...(awsClientConfig('sts', { region: this.#opts.region, credentials }) as STSClientConfig),
        ...(this.#opts.clientOptions as STSClientConfig | undefined),
      });
      this.#stsClients.set(callerKey, client);
    }
    return client;
  }
}
