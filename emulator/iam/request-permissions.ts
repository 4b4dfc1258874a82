import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../identity.js';
import { ApiError, type Service } from '../protocol.js';
import type { S3Store } from '../s3.js';
import { decodeAwsChunked } from '../s3.js';
import { bucketArn } from '../s3-buckets.js';
import { deleteRequestKeys } from '../s3-list.js';
import type { ObjectEncryption } from '../s3-sse.js';
import type { Scenario } from '../scenario.js';
import { kmsKeyArn, partitionOf } from './arn.js';
import { checkPermission, deniedMessage, type PermissionRequest } from './check-permission.js';

/** What the IAM mapping needs to know about one request. */
export interface RequestFacts {
  service: Service;
  action: string;
  params: Record<string, unknown>;
  s3Target?: { bucket: string; key: string; query: URLSearchParams };
  headers: IncomingHttpHeaders;
  /** The SigV4 region: the region of workgroup and key ARNs, and the partition of every ARN. */
  region: string | undefined;
  body?: Buffer;
}

export interface PermissionDeps {
  scenario: Scenario;
  s3: S3Store;
  /** The workgroup of a query execution, for the execution-level Athena actions. */
  athenaWorkgroupOf?: (id: unknown) => string | undefined;
}

/** Each protocol's AccessDenied: the code, status and the service's own spelling of the refusal. */
export function accessDenied(service: Service, message: string): ApiError {
  if (service === 's3' || service === 'sts') return new ApiError('AccessDenied', message, 403);
  if (service === 'sns') return new ApiError('AuthorizationError', message, 403);
  return new ApiError('AccessDeniedException', message, 400);
}

/** Refuses the request at the first IAM request the caller may not make, in AWS's words. */
export function enforce(caller: Principal, service: Service, requests: readonly PermissionRequest[]): void {
  for (const request of requests) {
    const decision = checkPermission(caller, request);
    if (!decision.allowed) throw accessDenied(service, deniedMessage(caller, request, decision));
  }
}

const ORG_RESOURCE_PARAM: Record<string, string> = {
  ListOrganizationalUnitsForParent: 'ParentId',
  ListAccountsForParent: 'ParentId',
  ListChildren: 'ParentId',
  ListParents: 'ChildId',
  DescribeAccount: 'AccountId',
  DescribeOrganizationalUnit: 'OrganizationalUnitId',
  ListTagsForResource: 'ResourceId',
};

/** Organizations ARNs live in the management account and name the organization: `account/o-…/ID`. */
function organizationsResource(
  scenario: Scenario,
  action: string,
  params: Record<string, unknown>,
  region?: string,
): string {
  const param = ORG_RESOURCE_PARAM[action];
  const id = param === undefined ? undefined : params[param];
  if (typeof id !== 'string') return '*';
  const org = scenario.organization;
  const prefix = `arn:${partitionOf(region)}:organizations::${org.managementAccountId}`;
  if (/^\d{12}$/.test(id)) return `${prefix}:account/${org.id}/${id}`;
  if (id.startsWith('ou-')) return `${prefix}:ou/${org.id}/${id}`;
  if (id.startsWith('r-')) return `${prefix}:root/${org.id}/${id}`;
  return '*';
}

const ATHENA_BY_EXECUTION = new Set(['GetQueryExecution', 'GetQueryResults', 'StopQueryExecution']);

/** Athena authorizes on the workgroup: named in the request, or the one the execution ran in. */
function athenaWorkgroups(deps: PermissionDeps, action: string, params: Record<string, unknown>): string[] {
  if (action === 'StartQueryExecution')
    return [typeof params.WorkGroup === 'string' ? params.WorkGroup : 'primary'];
  if (action === 'GetWorkGroup') return typeof params.WorkGroup === 'string' ? [params.WorkGroup] : [];
  const of = deps.athenaWorkgroupOf ?? (() => undefined);
  if (ATHENA_BY_EXECUTION.has(action)) {
    const wg = of(params.QueryExecutionId);
    return wg === undefined ? [] : [wg];
  }
  if (action === 'BatchGetQueryExecution' && Array.isArray(params.QueryExecutionIds)) {
    const found = params.QueryExecutionIds.map((id) => of(id)).filter((wg) => wg !== undefined);
    return [...new Set(found)];
  }
  // Unknown executions and unimplemented actions: the service answers with its own error.
  return [];
}

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The S3 action each request needs, on the bucket or the object, with the condition keys it carries. */
const S3_IAM_ACTION: Record<string, [action: string, on: 'bucket' | 'object']> = {
  ListObjectsV2: ['s3:ListBucket', 'bucket'],
  HeadBucket: ['s3:ListBucket', 'bucket'],
  ListMultipartUploads: ['s3:ListBucketMultipartUploads', 'bucket'],
  GetBucketLocation: ['s3:GetBucketLocation', 'bucket'],
  GetBucketEncryption: ['s3:GetEncryptionConfiguration', 'bucket'],
  CreateBucket: ['s3:CreateBucket', 'bucket'],
  GetObject: ['s3:GetObject', 'object'],
  HeadObject: ['s3:GetObject', 'object'],
  PutObject: ['s3:PutObject', 'object'],
  CreateMultipartUpload: ['s3:PutObject', 'object'],
  UploadPart: ['s3:PutObject', 'object'],
  CompleteMultipartUpload: ['s3:PutObject', 'object'],
  DeleteObject: ['s3:DeleteObject', 'object'],
  AbortMultipartUpload: ['s3:AbortMultipartUpload', 'object'],
};

const SSE_KEYS: [string, string][] = [
  ['x-amz-server-side-encryption', 's3:x-amz-server-side-encryption'],
  ['x-amz-server-side-encryption-aws-kms-key-id', 's3:x-amz-server-side-encryption-aws-kms-key-id'],
];

function s3Context(deps: PermissionDeps, f: RequestFacts, bucket: string): Record<string, string> {
  const ctx: Record<string, string> = {
    's3:authType': 'REST-HEADER',
    's3:signatureversion': 'AWS4-HMAC-SHA256',
  };
  const owner = deps.s3.configs.get(bucket)?.owner;
  if (owner !== undefined) ctx['s3:ResourceAccount'] = owner;
  const query = f.s3Target!.query;
  if (f.action === 'ListObjectsV2') {
    // Only what the request carries: no prefix parameter, no s3:prefix key.
    for (const name of ['prefix', 'delimiter', 'max-keys']) {
      const v = query.get(name);
      if (v !== null) ctx[`s3:${name}`] = v;
    }
  }
  if (f.action === 'PutObject' || f.action === 'CreateMultipartUpload') {
    for (const [h, key] of SSE_KEYS) {
      const v = header(f.headers, h);
      if (v !== undefined) ctx[key] = v;
    }
  }
  return ctx;
}

/**
 * The KMS calls S3 makes for the caller (with the caller's permissions): Decrypt to read an SSE-KMS
 * object or add a part to an SSE-KMS upload, GenerateDataKey to write one.
 */
function kmsRequests(
  deps: PermissionDeps,
  f: RequestFacts,
  caller: Principal,
  objectArn: string,
): PermissionRequest[] {
  const { bucket, key, query } = f.s3Target!;
  const region = f.region ?? 'us-east-1';
  let encryption: ObjectEncryption | undefined;
  let actions: string[] = [];
  if (f.action === 'GetObject') {
    encryption = deps.s3.encryption(bucket, key);
    actions = ['kms:Decrypt'];
  } else if (f.action === 'PutObject' || f.action === 'CreateMultipartUpload') {
    try {
      encryption = deps.s3.writeEncryption(bucket, f.headers, region, caller.accountId);
    } catch {
      return []; // malformed SSE headers: S3 answers InvalidArgument itself
    }
    actions = ['kms:GenerateDataKey'];
  } else if (f.action === 'UploadPart') {
    encryption = deps.s3.uploadEncryption(query.get('uploadId'));
    actions = ['kms:Decrypt'];
  }
  if (encryption?.kmsKeyId === undefined) return [];
  const keyArn = kmsKeyArn(encryption.kmsKeyId, region, caller.accountId);
  const context = {
    'kms:ViaService': `s3.${region}.amazonaws.com`,
    'kms:CallerAccount': caller.accountId,
    'kms:EncryptionContext:aws:s3:arn': encryption.bucketKeyEnabled ? bucketArn(bucket, region) : objectArn,
  };
  return actions.map((action) => ({ action, resource: keyArn, context }));
}

/**
 * A read of a key that does not exist: S3 says NoSuchKey (404) only to callers that may list the bucket,
 * and a plain 403 Access Denied to the others, so that absence is not disclosed.
 */
export function refuseMissingObject(deps: PermissionDeps, caller: Principal, f: RequestFacts): void {
  if (f.action !== 'GetObject' && f.action !== 'HeadObject') return;
  const { bucket, key } = f.s3Target!;
  if (deps.s3.get(bucket, key) !== undefined) return;
  const list = {
    action: 's3:ListBucket',
    resource: bucketArn(bucket, f.region),
    context: { 'aws:RequestedRegion': f.region ?? 'us-east-1', ...s3Context(deps, f, bucket) },
  };
  if (!checkPermission(caller, list).allowed) throw new ApiError('AccessDenied', 'Access Denied', 403);
}

/**
 * DeleteObjects is authorized key by key (s3:DeleteObject on each object): S3 deletes the others and
 * reports these as AccessDenied in the result's Error list.
 */
export function deniedDeleteKeys(deps: PermissionDeps, caller: Principal, f: RequestFacts): Set<string> {
  const denied = new Set<string>();
  if (f.action !== 'DeleteObjects' || !f.s3Target || caller.policies === undefined) return denied;
  const body = f.body ?? Buffer.alloc(0);
  const chunked =
    (header(f.headers, 'content-encoding') ?? '').includes('aws-chunked') ||
    (header(f.headers, 'x-amz-content-sha256') ?? '').startsWith('STREAMING-');
  const { keys } = deleteRequestKeys((chunked ? decodeAwsChunked(body) : body).toString('utf8'));
  const { bucket } = f.s3Target;
  const context = { 'aws:RequestedRegion': f.region ?? 'us-east-1', ...s3Context(deps, f, bucket) };
  for (const key of keys) {
    const request = { action: 's3:DeleteObject', resource: `${bucketArn(bucket, f.region)}/${key}`, context };
    if (!checkPermission(caller, request).allowed) denied.add(key);
  }
  return denied;
}

/** Every IAM request one emulator request needs, in the order AWS checks them. */
export function permissionsFor(
  deps: PermissionDeps,
  caller: Principal,
  f: RequestFacts,
): PermissionRequest[] {
  const partition = partitionOf(f.region);
  const region = f.region ?? 'us-east-1';
  const base = { 'aws:RequestedRegion': region };
  if (f.service === 'organizations') {
    const resource = organizationsResource(deps.scenario, f.action, f.params, f.region);
    return [{ action: `organizations:${f.action}`, resource, context: base }];
  }
  if (f.service === 'athena') {
    return athenaWorkgroups(deps, f.action, f.params).map((wg) => ({
      action: `athena:${f.action}`,
      resource: `arn:${partition}:athena:${region}:${caller.accountId}:workgroup/${wg}`,
      context: base,
    }));
  }
  if (f.service === 's3' && f.s3Target) {
    const { bucket, key } = f.s3Target;
    const context = { ...base, ...s3Context(deps, f, bucket) };
    // DeleteObjects is decided key by key (deniedDeleteKeys): refused keys become per-key errors.
    if (f.action === 'DeleteObjects') return [];
    const mapped = S3_IAM_ACTION[f.action];
    if (!mapped) return [];
    const objectArn = `${bucketArn(bucket, f.region)}/${key}`;
    const resource = mapped[1] === 'bucket' ? bucketArn(bucket, f.region) : objectArn;
    return [{ action: mapped[0], resource, context }, ...kmsRequests(deps, f, caller, objectArn)];
  }
  return [];
}
