import type { Command } from 'commander';
import type { Logger } from 'pino';
import { initCommand } from './init-command.js';
import { mergeCommand } from './merge-command.js';
import { scheduleCommand } from './schedule-command.js';
import { ConfigError } from '../errors.js';

/** schedule, merge, init: the commands for running athena-fanout unattended. */
export function registerOperationsCommands(
  program: Command,
  logger: () => Logger,
  setCode: (code: number) => void,
): void {
  program
    .command('schedule')
    .description('stay running and start a run on schedule.cron (never two at once)')
    .option('-c, --config <file>', 'config file')
    .option('--health-port <port>', 'serve GET /healthz on 127.0.0.1:PORT')
    .action(async (opts: { config?: string; healthPort?: string }) => {
      const port = opts.healthPort === undefined ? undefined : Number(opts.healthPort);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
        throw new ConfigError([
          { path: '', message: `--health-port ${opts.healthPort}: expected a port number` },
        ]);
      }
      setCode(await scheduleCommand(opts.config, port === undefined ? {} : { healthPort: port }, logger()));
    });
  program
    .command('merge')
    .description(
      'after every shard of a run: one manifest, the merged files, _SUCCESS in partitioned datasets, metrics',
    )
    .requiredOption('--run <runId>', 'the run id the shards shared')
    .option('-c, --config <file>', 'config file')
    .action(async (opts: { run: string; config?: string }) => {
      setCode(await mergeCommand(opts.config, opts.run, logger()));
    });
  program
    .command('init')
    .description('write a commented starter pipeline.config.yaml')
    .argument('[file]', 'where to write it', 'pipeline.config.yaml')
    .option('--force', 'overwrite an existing file')
    .action(async (file: string, opts: { force?: boolean }) => {
      setCode(await initCommand(file, opts));
    });
}
