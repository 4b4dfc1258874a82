import { AthenaClient, GetWorkGroupCommand } from '@aws-sdk/client-athena';
import { GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { fillPlaceholders, type PipelineConfig } from '../../config/index.js';
import { awsClientConfig } from '../../aws/index.js';
import type { Account } from '../../accounts/index.js';
import { awsCode, awsWords } from './aws-words.js';
import type { ResolvedAccounts } from '../resolve-accounts.js';
import type { CatalogFacts } from './catalog-facts.js';
import { partitionOf } from './policy-document.js';
import { readAccountTables, type AccountReader, type AccountTables } from './read-account-tables.js';

export interface DiscoverOptions {
  /** Read only the first N selected accounts (a sample), not all of them. */
  accounts?: number;
  signal?: AbortSignal;
}

interface AccountFacts extends AccountTables {
  accountId: string;
  dataKmsKeys: Set<string>;
  resultsKmsKeys: Set<string>;
  resultsLocations: Set<string>;
}

const partition = (r: AccountReader): string =>
  partitionOf(r.config.auth.accountRoleChain[0]?.arn ?? 'arn:aws');
const bucketOf = (url: string): string => url.slice('s3://'.length).split('/')[0] ?? '';

/** A bucket's default SSE-KMS key as an ARN, or none (SSE-S3, no default, not readable: noted). */
async function bucketKey(
  r: AccountReader,
  facts: AccountFacts,
  bucket: string,
  region: string,
): Promise<string | undefined> {
  // A data bucket may be in any region: the SDK follows S3's redirect to it.
  const s3 = new S3Client({
    ...awsClientConfig('s3', { region, credentials: r.credentials }),
    followRegionRedirects: true,
  });
  try {
    const res = await s3.send(
      new GetBucketEncryptionCommand({ Bucket: bucket }),
      r.signal ? { abortSignal: r.signal } : {},
    );
    const rule = res.ServerSideEncryptionConfiguration?.Rules?.find(
      (x) => x.ApplyServerSideEncryptionByDefault?.SSEAlgorithm?.startsWith('aws:kms') === true,
    );
    const key = rule?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
    if (!key) return undefined;
    return keyArn(r, facts, `bucket ${bucket}`, key, region);
  } catch (err) {
    if (awsCode(err) === 'ServerSideEncryptionConfigurationNotFoundError') return undefined;
    facts.failures.push(
      `account ${r.account.id}: S3 GetBucketEncryption ${bucket}: ${awsWords(err)} (give its key in iam.kmsKeys if it uses SSE-KMS)`,
    );
    return undefined;
  }
}

/**
 * IAM matches key ARNs; a bucket or workgroup may name its key by id. An alias can't be resolved without
 * KMS permissions the policies don't need: it is a failure naming where to give the key instead.
 */
function keyArn(r: AccountReader, facts: AccountFacts, where: string, key: string, region: string) {
  if (key.startsWith('alias/') || key.includes(':alias/')) {
    facts.failures.push(
      `account ${r.account.id}: ${where} names its KMS key by alias (${key}): give the key ARN in iam.kmsKeys`,
    );
    return undefined;
  }
  return key.startsWith('arn:') ? key : `arn:${partition(r)}:kms:${region}:${r.account.id}:key/${key}`;
}

/**
 * The workgroups' result locations (when they enforce their own, or the query names none) and
 * encryption keys: Athena writes there, with that key, under the caller's permissions.
 */
async function workgroupResults(r: AccountReader, facts: AccountFacts): Promise<void> {
  const seen = new Set<string>();
  for (const q of r.config.queries) {
    if (q.accounts && !q.accounts.includes(r.account.id)) continue;
    for (const region of q.regions) {
      if (seen.has(`${region}/${q.workgroup}`)) continue;
      seen.add(`${region}/${q.workgroup}`);
      const athena = new AthenaClient(awsClientConfig('athena', { region, credentials: r.credentials }));
      try {
        const res = await athena.send(
          new GetWorkGroupCommand({ WorkGroup: q.workgroup }),
          r.signal ? { abortSignal: r.signal } : {},
        );
        const config = res.WorkGroup?.Configuration;
        const enc = config?.ResultConfiguration?.EncryptionConfiguration;
        const key = enc?.KmsKey && enc.EncryptionOption !== 'SSE_S3' ? enc.KmsKey : undefined;
        const arn = key && keyArn(r, facts, `workgroup ${q.workgroup}`, key, region);
        if (arn) facts.resultsKmsKeys.add(arn);
        const own = config?.ResultConfiguration?.OutputLocation;
        if (own && (config.EnforceWorkGroupConfiguration === true || !q.outputLocation)) {
          facts.resultsLocations.add(own);
        }
      } catch (err) {
        facts.failures.push(
          `account ${r.account.id}: Athena GetWorkGroup ${q.workgroup} in ${region}: ${awsWords(err)}`,
        );
      }
    }
  }
}

async function readAccount(r: AccountReader): Promise<AccountFacts> {
  const tables = await readAccountTables(r);
  const facts: AccountFacts = {
    ...tables,
    accountId: r.account.id,
    dataKmsKeys: new Set(),
    resultsKmsKeys: new Set(),
    resultsLocations: new Set(),
  };
  const region = r.config.queries[0]?.regions[0] ?? r.config.region;
  for (const bucket of new Set([...tables.dataLocations].map(bucketOf))) {
    const key = await bucketKey(r, facts, bucket, region);
    if (key) facts.dataKmsKeys.add(key);
  }
  await workgroupResults(r, facts);
  const resultBuckets = new Set([...facts.resultsLocations].map(bucketOf));
  for (const q of r.config.queries) {
    for (const location of [q.outputLocation, q.fetch === 'unload' ? q.unload.location : undefined]) {
      if (location)
        resultBuckets.add(bucketOf(fillPlaceholders(location, { accountId: r.account.id, region })));
    }
  }
  for (const bucket of resultBuckets) {
    const key = await bucketKey(r, facts, bucket, region);
    if (key) facts.resultsKmsKeys.add(key);
  }
  return facts;
}

/** `<accountId>` where the account's own id stands, so one template role serves every account. */
const general = (accountId: string) => (value: string) => value.replaceAll(accountId, '<accountId>');

function merge(all: AccountFacts[], selected: number): CatalogFacts {
  const union = (pick: (f: AccountFacts) => Iterable<string>) =>
    [...new Set(all.flatMap((f) => [...pick(f)].map(general(f.accountId))))].sort();
  const lf = new Map(
    all.flatMap((f) => f.lakeFormation.map((t) => [`${t.region}/${t.database}/${t.table}`, t] as const)),
  );
  const catalogs = new Map(
    all.flatMap((f) =>
      f.catalogs.map(
        (c) => [`${c.region}/${c.name}`, { ...c, functions: c.functions.map(general(f.accountId)) }] as const,
      ),
    ),
  );
  return {
    accountsRead: all.length,
    accountsSelected: selected,
    dataLocations: union((f) => f.dataLocations),
    dataKmsKeys: union((f) => f.dataKmsKeys),
    resultsKmsKeys: union((f) => f.resultsKmsKeys),
    resultsLocations: union((f) => f.resultsLocations),
    lakeFormationTables: [...lf.values()],
    catalogs: [...catalogs.values()],
    notes: all.flatMap((f) => f.notes),
    failures: all.flatMap((f) => f.failures),
  };
}

/**
 * Reads, through each selected account's chain (at most `concurrency.accounts` at once), what the
 * config can't say: every table's data location (and its partitions' where they lie elsewhere), Lake
 * Formation registration, the data and results buckets' default KMS keys, the workgroups' result
 * encryption, federated catalogs' connectors. Read-only calls; an account that fails is noted.
 */
export async function discoverCatalog(
  config: PipelineConfig,
  resolved: ResolvedAccounts,
  opts: DiscoverOptions = {},
): Promise<CatalogFacts> {
  const accounts: Account[] = resolved.selected.slice(0, opts.accounts ?? resolved.selected.length);
  const limit = pLimit(config.concurrency.accounts);
  const facts = await Promise.all(
    accounts.map((account) =>
      limit(() =>
        readAccount({ config, account, credentials: resolved.providerFor(account.id), signal: opts.signal }),
      ),
    ),
  );
  return merge(facts, resolved.selected.length);
}
