import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { resolveShard, type Shard, sharedRunId } from '../plan/index.js';

/** `run`'s sharding flags, resolved (flags win over JOB_COMPLETION_INDEX and friends). */
export function shardRunOptions(opts: { shard?: string; shardCount?: string; runId?: string }): {
  shard?: Shard;
  runId?: string;
} {
  const shard = resolveShard(opts.shard, opts.shardCount);
  const runId = sharedRunId(opts.runId);
  if (shard && shard.count > 1 && runId === undefined) {
    throw new ConfigError([
      {
        path: '',
        message:
          'a sharded run needs a run id shared by every shard: --run-id ID or ATHENA_FANOUT_RUN_ID (AWS Batch: taken from AWS_BATCH_JOB_ID)',
      },
    ]);
  }
  return { ...(shard ? { shard } : {}), ...(runId ? { runId } : {}) };
}

export function addShardOptions(cmd: Command): Command {
  return cmd
    .option(
      '--shard <I/N>',
      'run only shard I (from 0) of N; else JOB_COMPLETION_INDEX / AWS_BATCH_JOB_ARRAY_INDEX',
    )
    .option(
      '--shard-count <N>',
      'number of shards when the index comes from the environment (or SHARD_COUNT)',
    )
    .option('--run-id <id>', 'run id shared by all shards (or ATHENA_FANOUT_RUN_ID)');
}
