import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { deleteS3Keys, isS3Location, listS3Objects, parseS3Target } from '../aws/index.js';
import type { Manifest } from '../manifest.js';
import type { ManifestDraft } from '../run/index.js';
import { shardFailed } from './merge-manifests.js';

/**
 * The staged units on S3 deleted once the merge used them all: every shard present, none failed and
 * every output written. Otherwise they stay for the merge that follows a re-run of the missing or
 * failed shard (which stages its own units again). A local staging folder stays, as it always has.
 */
export async function removeS3Staging(
  root: string,
  ctx: { shards: Manifest[]; allPresent: boolean; draft: ManifestDraft; log: Logger },
  s3: () => S3Client,
): Promise<void> {
  if (!isS3Location(root)) return;
  const done =
    ctx.allPresent && !ctx.shards.some(shardFailed) && ctx.draft.outputs.every((o) => o.state !== 'failed');
  if (!done) {
    ctx.draft.warnings.push(`staged units kept at ${root}/ for the merge after the failed shards run again`);
    return;
  }
  const { bucket, key } = parseS3Target(`${root}/`);
  const keys = (await listS3Objects(s3(), bucket, key)).map((o) => o.key);
  await deleteS3Keys(s3(), bucket, keys);
  ctx.log.info({ staging: root, objects: keys.length }, 'staged units removed');
}
