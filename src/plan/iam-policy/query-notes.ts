import type { QueryConfig } from '../../config/index.js';

/** What the config leaves open, so the policies cannot name it: the user grants it by hand. */
export function queryNotes(queries: QueryConfig[]): string[] {
  return queries.flatMap((q) => {
    const notes: string[] = [];
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
    return notes;
  });
}
