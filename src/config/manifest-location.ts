import * as z from 'zod';
import { S3_BUCKET } from './schema-parts.js';

const URL_LIKE = /^([A-Za-z][A-Za-z0-9+.-]+):\//;

/**
 * Where the manifest goes: a local file, or an `s3://bucket/key.json` object so that shards on
 * machines without a shared disk hand their manifests to `merge` (the shard manifests and, without a
 * shared volume, nothing else of the run's go beside it). Any other URL is refused, never taken as a
 * folder named `s3:`.
 */
export function manifestLocationProblem(value: string): string | undefined {
  const scheme = URL_LIKE.exec(value)?.[1];
  if (scheme === undefined) return undefined;
  if (!value.startsWith('s3://')) {
    return `${scheme}:// is not supported here: the manifest is a local file or an s3://bucket/key.json object`;
  }
  const [bucket = '', ...rest] = value.slice('s3://'.length).split('/');
  if (!S3_BUCKET.test(bucket)) {
    return `"${bucket}" is not a valid S3 bucket name (3-63 characters of lowercase letters, digits, "." and "-")`;
  }
  const key = rest.join('/');
  if (key === '' || key.endsWith('/')) return 'expected s3://bucket/key.json: the URL names no object';
  if (/[{}]/.test(key)) return 'the manifest URL takes no placeholders';
  return undefined;
}

export const manifestLocation = z
  .string()
  .min(1, { error: 'expected a file path or an s3:// URL' })
  .superRefine((value, ctx) => {
    const problem = manifestLocationProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
