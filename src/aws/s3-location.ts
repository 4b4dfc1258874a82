import { dirname, join } from 'node:path';

/** A location is a local path or an `s3://bucket/key` URL. */
export function isS3Location(location: string): boolean {
  return location.startsWith('s3://');
}

/**
 * `parts` joined under `base`: with `/` for an S3 URL (path.join would collapse `s3://` into a local
 * folder named `s3:`), with the platform's separator for a local path.
 */
export function joinLocation(base: string, ...parts: string[]): string {
  if (!isS3Location(base)) return join(base, ...parts);
  return [base.replace(/\/+$/, ''), ...parts.map((p) => p.replace(/^\/+|\/+$/g, ''))].join('/');
}

/** The folder (or prefix) holding `location`. */
export function parentLocation(location: string): string {
  if (!isS3Location(location)) return dirname(location);
  const trimmed = location.replace(/\/+$/, '');
  const cut = trimmed.lastIndexOf('/');
  return cut <= 's3://'.length ? trimmed : trimmed.slice(0, cut);
}
