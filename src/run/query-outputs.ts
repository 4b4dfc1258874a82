import type { S3Client } from '@aws-sdk/client-s3';
import type { Schema } from 'apache-arrow';
import type { Logger } from 'pino';
import type { PipelineConfig, QueryConfig } from '../config/index.js';
import type { OutputRecord } from '../manifest.js';
import type { UnitValue } from './unit-value.js';

/** One query's outputs as each output mode writes them. */
export interface QueryOutputs {
  config: PipelineConfig;
  runId: string;
  query: QueryConfig;
  /** The query's units that succeeded, in account order (each with its `data`). */
  units: UnitValue[];
  /** The units' schemas merged. */
  schema: Schema;
  log: Logger;
  /** s3:// sinks: a client with the base credentials, in the run's region. */
  s3: () => S3Client;
  /** What was written, for the manifest. */
  outputs: OutputRecord[];
  warnings: string[];
  /** A shard of a run: its share of the partitioned datasets and its units staged for `merge`. */
  shard?: { stagingRoot: string };
}

/** The units' spilled results with the account and region they came from. */
export function unitParts({ units, config }: QueryOutputs) {
  return units.map((u) => ({
    accountId: u.record.accountId,
    region: u.record.region ?? config.region,
    data: u.data!,
  }));
}
