import { awsErrorInfo, FanoutError, type AwsErrorInfo } from '../errors.js';

export interface ChainContext {
  chain: 'master' | 'account';
  accountId?: string;
}

const CALLER_IN_MESSAGE = /^User: (arn:[\w-]+:(?:iam|sts)::\d{12}:\S+) is not authorized/;

/** An AssumeRole hop failed; kept free of who asked, since one hop can serve many chains. */
export class HopFailure extends Error {
  readonly info: AwsErrorInfo;

  readonly callerArn: string | undefined;

  constructor(
    readonly hopIndex: number,
    readonly roleArn: string,
    callerArn: string | undefined,
    cause: unknown,
    externalId: string | undefined,
  ) {
    const info = redact(awsErrorInfo(cause), externalId);
    super(`AssumeRole ${roleArn} failed: ${info.code}: ${info.message}`, { cause });
    this.name = 'HopFailure';
    this.info = info;
    // The first hop's caller is the base identity, unknown without a call; AWS's denial names it.
    this.callerArn = callerArn ?? CALLER_IN_MESSAGE.exec(info.message)?.[1];
  }
}

export interface BaseFailureDetail {
  /** Which `auth.credentials` way in failed. */
  source: 'default' | 'profile' | 'static' | 'webIdentity' | 'saml';
  /** The role of AssumeRoleWithWebIdentity / AssumeRoleWithSAML. */
  roleArn?: string;
  /** Values that must never reach a message (token, assertion). */
  secrets?: readonly string[];
}

const SOURCE_NAMES: Record<BaseFailureDetail['source'], string> = {
  default: 'AWS SDK default chain',
  profile: 'auth.credentials.profile',
  static: 'auth.credentials static keys',
  webIdentity: 'webIdentity',
  saml: 'saml',
};

/** The base credentials (`auth.credentials`, else the SDK default chain) could not be obtained. */
export class BaseCredentialsFailure extends Error {
  readonly info: AwsErrorInfo;
  readonly detail: BaseFailureDetail;

  constructor(cause: unknown, detail: BaseFailureDetail = { source: 'default' }) {
    const raw = awsErrorInfo(cause);
    const info = { ...raw, message: redactAll(raw.message, detail.secrets ?? []) };
    const how = detail.roleArn ? `${detail.source} ${detail.roleArn}` : SOURCE_NAMES[detail.source];
    const code = info.code === 'Error' ? '' : `${info.code}: `;
    super(`base credentials (${how}) unavailable: ${code}${info.message}`, { cause });
    this.name = 'BaseCredentialsFailure';
    this.info = info;
    this.detail = detail;
  }
}

function redactAll(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('<redacted>');
  return out;
}

// STS echoes rejected parameter values in ValidationError messages; the external id is a shared secret.
function redact(info: AwsErrorInfo, externalId: string | undefined): AwsErrorInfo {
  if (!externalId || externalId.length < 2) return info;
  return { ...info, message: info.message.split(externalId).join('<externalId>') };
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

function isRetryable(cause: unknown, info: AwsErrorInfo): boolean {
  if (info.retryable || (info.httpStatus ?? 0) >= 500) return true;
  const code = (cause as { code?: unknown } | null)?.code;
  return (typeof code === 'string' && NETWORK_CODES.has(code)) || info.code === 'TimeoutError';
}

function who(ctx: ChainContext): string {
  if (ctx.chain === 'master') return 'master chain';
  return ctx.accountId ? `account ${ctx.accountId}` : 'account chain';
}

/** What the user sees: which chain, which hop of how many, which role, and AWS's own words. */
export function chainError(err: unknown, ctx: ChainContext, hopCount?: number): unknown {
  const base = {
    stage: 'credentials' as const,
    chain: ctx.chain,
    ...(ctx.accountId ? { accountId: ctx.accountId } : {}),
  };
  if (err instanceof HopFailure) {
    const { info } = err;
    const position = hopCount === undefined ? `${err.hopIndex + 1}` : `${err.hopIndex + 1}/${hopCount}`;
    return new FanoutError(
      `${who(ctx)}: AssumeRole hop ${position} ${err.roleArn} failed: ${info.code}: ${info.message}`,
      {
        cause: err.cause,
        retryable: isRetryable(err.cause, info),
        context: {
          ...base,
          hopIndex: err.hopIndex,
          roleArn: err.roleArn,
          ...(err.callerArn ? { callerArn: err.callerArn } : {}),
          awsCode: info.code,
          awsMessage: info.message,
          ...(info.requestId ? { requestId: info.requestId } : {}),
        },
      },
    );
  }
  if (err instanceof BaseCredentialsFailure) {
    return new FanoutError(`${who(ctx)}: ${err.message}`, {
      cause: err.cause,
      retryable: isRetryable(err.cause, err.info),
      context: {
        ...base,
        credentialSource: err.detail.source,
        ...(err.detail.roleArn ? { roleArn: err.detail.roleArn } : {}),
        awsCode: err.info.code,
        awsMessage: err.info.message,
        ...(err.info.requestId ? { requestId: err.info.requestId } : {}),
      },
    });
  }
  return err;
}
