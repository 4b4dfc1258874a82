import { S3Client } from '@aws-sdk/client-s3';
import type { Account } from '../accounts/index.js';
import { awsClientConfig } from '../aws/index.js';
import type { PipelineConfig } from '../config/index.js';
import { type PlannedWindow, plannedWindows, planUnits } from '../plan/index.js';

/**
 * The windows `plan` shows when a query is incremental: its state read (an S3 GetObject with the base
 * credentials when it lives on S3), the cut-off being now. Undefined when no query is incremental.
 */
export async function windowsForPlan(
  config: PipelineConfig,
  accounts: Account[],
  runId: string,
  fullRefresh: boolean,
): Promise<PlannedWindow[] | undefined> {
  if (!config.queries.some((q) => q.incremental)) return undefined;
  let client: S3Client | undefined;
  const s3 = () => (client ??= new S3Client(awsClientConfig('s3', { region: config.region })));
  try {
    const units = planUnits(config, accounts);
    return await plannedWindows(config, units, { until: new Date(), runId, fullRefresh, s3 });
  } finally {
    client?.destroy();
  }
}
