import { createHash } from 'node:crypto';

/** The ARN partition of a region, as AWS assigns them: China and GovCloud have their own. */
export function partitionOf(region: string | undefined): string {
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

const KEY_ARN = /^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/;
const ALIAS_ARN = /^arn:(aws[\w-]*):kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/;

/** A key id that looks like a KMS key UUID (or a multi-Region mrk- id). */
const BARE_KEY_ID =
  /^(mrk-)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$|^mrk-[0-9a-f]{32}$/i;

function uuidOf(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The key ARN KMS authorizes against, from the forms S3 accepts (key ARN, alias ARN, `alias/name`, bare
 * key id). An alias stands for a key whose id is derived from the alias, so the same alias always names
 * the same key; bare forms resolve in `region` and `account` (the bucket owner's for default encryption,
 * the requester's for request headers).
 */
export function kmsKeyArn(keyId: string, region: string, account: string): string {
  if (KEY_ARN.test(keyId)) return keyId;
  const alias = ALIAS_ARN.exec(keyId);
  if (alias) {
    const [, partition, aliasRegion, aliasAccount, name] = alias as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    return `arn:${partition}:kms:${aliasRegion}:${aliasAccount}:key/${uuidOf(`${aliasAccount}:${aliasRegion}:${name}`)}`;
  }
  const prefix = `arn:${partitionOf(region)}:kms:${region}:${account}:key/`;
  if (keyId.startsWith('alias/')) return prefix + uuidOf(`${account}:${region}:${keyId}`);
  if (BARE_KEY_ID.test(keyId)) return prefix + keyId;
  // Anything else is not a key KMS would find; keep it recognisable in the refusal.
  return prefix + keyId;
}
