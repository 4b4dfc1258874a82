import type { QueryConfig } from '../../config/index.js';
import { isGlueCatalog } from './query-resources.js';

/** What the config leaves open, so the policies cannot name it: the user grants it by hand. */
export function queryNotes(queries: QueryConfig[]): string[] {
  return queries.flatMap((q) => {
    const notes: string[] = [];
    if (!q.database && isGlueCatalog(q)) {
      notes.push(`query ${q.name} names no database: Glue reads are granted on every database (database/*)`);
    }
    if (!isGlueCatalog(q)) {
      notes.push(
        `query ${q.name} uses catalog ${q.catalog ?? 'AwsDataCatalog'}, not the Glue Data Catalog: grant what that catalog needs (e.g. lambda:InvokeFunction for a federated connector)`,
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
    return notes;
  });
}
