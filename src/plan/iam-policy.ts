import { fillPlaceholders, type PipelineConfig, type RoleHop } from '../config/index.js';
import { needsTags } from './resolve-accounts.js';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal?: { AWS: string };
  Action: string[];
  Resource?: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export interface RolePolicies {
  roleArn: string;
  chain: 'master' | 'account';
  hop: number;
  trustPolicy: PolicyDocument;
  permissionPolicy: PolicyDocument;
  notes: string[];
}

export interface IamPolicies {
  /** Where the chains start: what the base credentials themselves must be allowed. */
  base: { principal: string; permissionPolicy: PolicyDocument; notes: string[] };
  roles: RolePolicies[];
}

const ATHENA_ACTIONS = [
  'athena:BatchGetQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  'athena:GetWorkGroup',
  'athena:StartQueryExecution',
  'athena:StopQueryExecution',
];
const GLUE_READS = [
  'glue:BatchGetPartition',
  'glue:GetDatabase',
  'glue:GetDatabases',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:GetTable',
  'glue:GetTables',
];
const ORGANIZATIONS_LISTING = [
  'organizations:DescribeOrganization',
  'organizations:ListAccountsForParent',
  'organizations:ListOrganizationalUnitsForParent',
  'organizations:ListRoots',
];

const doc = (Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
const partitionOf = (arn: string) => arn.split(':')[1] ?? 'aws';
const accountOf = (arn: string) => arn.split(':')[4] ?? '';

/** The actions the caller needs to assume `hop` (and that `hop`'s trust policy must allow). */
function assumeActions(hop: RoleHop): string[] {
  return [
    'sts:AssumeRole',
    ...(hop.tags && Object.keys(hop.tags).length > 0 ? ['sts:TagSession'] : []),
    ...(hop.sourceIdentity ? ['sts:SetSourceIdentity'] : []),
  ];
}

function trustPolicy(hop: RoleHop, principal: string, mfa: boolean): PolicyDocument {
  const condition: Record<string, Record<string, string>> = {};
  if (hop.externalId !== undefined) condition.StringEquals = { 'sts:ExternalId': hop.externalId };
  if (mfa) condition.Bool = { 'aws:MultiFactorAuthPresent': 'true' };
  return doc([
    {
      Sid: 'TrustPreviousHop',
      Effect: 'Allow',
      Principal: { AWS: principal },
      Action: assumeActions(hop),
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    },
  ]);
}

function assumeNext(next: RoleHop, anyAccount: boolean): PolicyStatement {
  // A per-account template role is reached in every member account.
  const arn = anyAccount ? fillPlaceholders(next.arn, { accountId: '*' }) : next.arn;
  return { Sid: 'AssumeNextHop', Effect: 'Allow', Action: assumeActions(next), Resource: [arn] };
}

/** Athena on the workgroups, Glue reads on the catalog and database, S3 on the output locations. */
function queryStatements(config: PipelineConfig, partition: string, account: string, notes: string[]) {
  const workgroups: string[] = [];
  const dataCatalogs: string[] = [];
  const glue: string[] = [];
  const buckets = new Map<string, Set<string>>();
  // fetch: unload deletes its parts, and the manifest and metadata in the output location.
  const deletes = new Map<string, Set<string>>();
  const kmsKeys: string[] = [];
  for (const q of config.queries) {
    const catalog = q.catalog ?? 'AwsDataCatalog';
    const isGlue = catalog.toLowerCase() === 'awsdatacatalog';
    for (const region of q.regions) {
      workgroups.push(`arn:${partition}:athena:${region}:${account}:workgroup/${q.workgroup}`);
      if (isGlue) {
        const db = q.database ?? '*';
        glue.push(
          `arn:${partition}:glue:${region}:${account}:catalog`,
          `arn:${partition}:glue:${region}:${account}:database/${db}`,
          `arn:${partition}:glue:${region}:${account}:table/${db}/*`,
        );
      } else {
        dataCatalogs.push(`arn:${partition}:athena:${region}:${account}:datacatalog/${catalog}`);
      }
      const key = q.encryption?.kmsKey;
      if (key && q.encryption?.option !== 'SSE_S3') {
        kmsKeys.push(key.startsWith('arn:') ? key : `arn:${partition}:kms:${region}:${account}:key/${key}`);
      }
      const at = (location: string, suffix = '') =>
        fillPlaceholders(location, { region, accountId: account }) + suffix;
      if (q.outputLocation) addPrefix(buckets, at(q.outputLocation));
      const unloadTo = q.fetch === 'unload' ? (q.unload.location ?? q.outputLocation) : undefined;
      if (unloadTo) {
        // Athena writes the parts with the caller's permissions; the tool lists, reads and deletes them.
        addPrefix(buckets, at(unloadTo, 'athena-fanout-unload/'));
        if (!q.unload.keep) addPrefix(deletes, at(unloadTo, 'athena-fanout-unload/'));
        if (!q.unload.keep && q.outputLocation) addPrefix(deletes, at(q.outputLocation));
      }
    }
    if (!q.database && isGlue) {
      notes.push(`query ${q.name} names no database: Glue reads are granted on every database (database/*)`);
    }
    if (!isGlue) {
      notes.push(
        `query ${q.name} uses catalog ${catalog}, not the Glue Data Catalog: grant what that catalog needs (e.g. lambda:InvokeFunction for a federated connector)`,
      );
    }
    if (!q.outputLocation) {
      notes.push(
        `query ${q.name} sets no outputLocation: grant s3:GetObject/PutObject on the output location of workgroup ${q.workgroup}`,
      );
    }
    if (q.fetch === 'unload' && !(q.unload.location ?? q.outputLocation)) {
      notes.push(
        `query ${q.name} uses fetch: unload under the workgroup's output location: grant s3:ListBucket, GetObject, PutObject${q.unload.keep ? '' : ', DeleteObject'} on its athena-fanout-unload/ prefix`,
      );
    }
  }
  const statements: PolicyStatement[] = [
    { Sid: 'AthenaWorkgroups', Effect: 'Allow', Action: ATHENA_ACTIONS, Resource: sorted(workgroups) },
  ];
  if (dataCatalogs.length > 0) {
    statements.push({
      Sid: 'AthenaDataCatalogs',
      Effect: 'Allow',
      Action: ['athena:GetDataCatalog'],
      Resource: sorted(dataCatalogs),
    });
  }
  if (glue.length > 0) {
    statements.push({ Sid: 'GlueCatalogReads', Effect: 'Allow', Action: GLUE_READS, Resource: sorted(glue) });
  }
  if (kmsKeys.length > 0) {
    // Athena encrypts results with the caller's KMS permissions, and reading them back decrypts.
    statements.push({
      Sid: 'ResultsKmsKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: sorted(kmsKeys),
    });
  }
  let n = 0;
  for (const [bucket, prefixes] of [...buckets].sort(([a], [b]) => a.localeCompare(b))) {
    n++;
    statements.push(
      {
        Sid: `AthenaResultsBucket${n}`,
        Effect: 'Allow',
        Action: ['s3:GetBucketLocation', 's3:ListBucket'],
        Resource: [`arn:${partition}:s3:::${bucket}`],
        Condition: { StringLike: { 's3:prefix': sorted([...prefixes].map((p) => `${p}*`)) } },
      },
      {
        Sid: `AthenaResultsObjects${n}`,
        Effect: 'Allow',
        Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
        Resource: sorted([...prefixes].map((p) => `arn:${partition}:s3:::${bucket}/${p}*`)),
      },
    );
  }
  const deletable = [...deletes].flatMap(([bucket, prefixes]) =>
    [...prefixes].map((p) => `arn:${partition}:s3:::${bucket}/${p}*`),
  );
  if (deletable.length > 0) {
    statements.push({
      Sid: 'UnloadCleanup',
      Effect: 'Allow',
      Action: ['s3:DeleteObject'],
      Resource: sorted(deletable),
    });
  }
  return statements;
}

function addPrefix(buckets: Map<string, Set<string>>, url: string): void {
  const [bucket = '', ...rest] = url.slice('s3://'.length).split('/');
  const prefixes = buckets.get(bucket) ?? new Set<string>();
  prefixes.add(rest.join('/'));
  buckets.set(bucket, prefixes);
}

/**
 * The trust policy and least-privilege permission policy of every role of both chains, from the config
 * alone. Roles of the account chain are templates: `<accountId>` stands for each member account.
 */
export function iamPolicies(config: PipelineConfig, opts: { basePrincipal?: string } = {}): IamPolicies {
  const master = config.auth.masterRoleChain;
  const account = config.auth.accountRoleChain;
  const fromMaster = config.auth.accountChainFrom === 'master' && master.length > 0;
  const source = config.auth.credentials;
  const mfa = config.auth.mfa !== undefined;
  const baseNotes: string[] = [];
  let basePrincipal = opts.basePrincipal;
  if (!basePrincipal && source && (source.kind === 'webIdentity' || source.kind === 'saml')) {
    basePrincipal = source.roleArn;
  }
  if (!basePrincipal) {
    const first = master[0] ?? account[0];
    basePrincipal = `arn:${partitionOf(first?.arn ?? 'arn:aws')}:iam::${accountOf(master[0]?.arn ?? '') || '<baseAccountId>'}:root`;
    baseNotes.push(
      `the base identity is unknown from the config: its trust uses ${basePrincipal}; pass --base-principal ARN to name it`,
    );
  }
  const roles: RolePolicies[] = [];
  const basePermissions: PolicyStatement[] = [];
  if (master[0]) basePermissions.push({ ...assumeNext(master[0], false), Sid: 'AssumeMasterChain' });
  if (account[0] && !fromMaster)
    basePermissions.push({ ...assumeNext(account[0], true), Sid: 'AssumeAccountChain' });

  const organization = config.accounts.source === 'organization';
  const listing: PolicyStatement = {
    Sid: 'OrganizationsListing',
    Effect: 'Allow',
    Action: sorted([
      ...ORGANIZATIONS_LISTING,
      ...(needsTags(config) ? ['organizations:ListTagsForResource'] : []),
    ]),
    Resource: ['*'],
  };
  if (master.length === 0 && organization) basePermissions.push(listing);

  master.forEach((hop, i) => {
    const notes: string[] = [];
    const statements: PolicyStatement[] = [];
    const next = master[i + 1];
    if (next) statements.push(assumeNext(next, false));
    else {
      if (organization) statements.push(listing);
      if (fromMaster && account[0]) statements.push(assumeNext(account[0], true));
      if (organization && config.auth.managementAccountChain === 'master') {
        notes.push('also queries the management account (managementAccountChain: master)');
        statements.push(...queryStatements(config, partitionOf(hop.arn), accountOf(hop.arn), notes));
      }
    }
    roles.push({
      roleArn: hop.arn,
      chain: 'master',
      hop: i,
      trustPolicy: trustPolicy(hop, i === 0 ? basePrincipal : master[i - 1]!.arn, i === 0 && mfa),
      permissionPolicy: doc(statements),
      notes,
    });
  });
  account.forEach((hop, i) => {
    const notes: string[] =
      i === 0 ? ['a template: create it in every member account, <accountId> being that account'] : [];
    const next = account[i + 1];
    const statements = next
      ? [assumeNext(next, false)]
      : queryStatements(config, partitionOf(hop.arn), '<accountId>', notes);
    const previous = i > 0 ? account[i - 1]!.arn : fromMaster ? master.at(-1)!.arn : basePrincipal;
    roles.push({
      roleArn: hop.arn,
      chain: 'account',
      hop: i,
      trustPolicy: trustPolicy(hop, previous, i === 0 && !fromMaster && mfa),
      permissionPolicy: doc(statements),
      notes,
    });
  });
  return {
    base: { principal: basePrincipal, permissionPolicy: doc(basePermissions), notes: baseNotes },
    roles,
  };
}
