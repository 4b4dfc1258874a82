#!/usr/bin/env node
// Entry point. The CLI layer (this file and src/cli/) is the only code that wires the stages together:
// config → auth-chain → accounts → extract → sinks, with the scheduler running the units.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { createLogger } from './observability/logger.js';
import { registerEnvSecrets, scrubText } from './observability/redact.js';
import { ConfigError } from './errors.js';
import { EXIT } from './manifest.js';
import { runCommand } from './cli/run-command.js';
import { addShardOptions, registerOperationsCommands, shardRunOptions } from './cli/operations-commands.js';
import { validateCommand } from './cli/validate-command.js';
import { planCommand, type PlanOptions } from './cli/plan-command.js';
import { iamPolicyCommand, type IamPolicyOptions } from './cli/iam-policy-command.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command()
    .name('athena-fanout')
    .description('Run Athena queries in every account of an AWS Organization and merge the results.')
    .version(version())
    .option(
      '--log-level <level>',
      'log level: trace, debug, info, warn, error, silent',
      process.env.LOG_LEVEL ?? 'info',
    )
    .option(
      '--log-format <format>',
      'json, pretty, or auto (pretty on a terminal)',
      process.env.LOG_FORMAT ?? 'auto',
    )
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerEnvSecrets();
  const logger = () => {
    const { logLevel, logFormat } = program.opts<{ logLevel: string; logFormat: string }>();
    return createLogger({ level: logLevel, format: logFormat as 'json' | 'pretty' | 'auto' });
  };
  addShardOptions(
    program
      .command('run')
      .description('run every query in every selected account and write the outputs')
      .option(
        '-c, --config <file>',
        'config file (default: pipeline.config.yaml found from the current directory)',
      ),
  ).action(async (opts: { config?: string; shard?: string; shardCount?: string; runId?: string }) => {
    code = await runCommand(opts.config, logger(), shardRunOptions(opts));
  });
  registerOperationsCommands(program, logger, (c) => {
    code = c;
  });
  program
    .command('plan')
    .description(
      'show the accounts (OU path, state, why skipped), role chains, regions and SQL a run would use; runs no query',
    )
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print the plan as JSON')
    .option(
      '--check-access',
      "assume every account's chain and call GetCallerIdentity and Athena GetWorkGroup; exit 1 if any fails",
    )
    .action(async (opts: PlanOptions) => {
      code = await planCommand(opts, logger());
    });
  program
    .command('iam-policy')
    .description("print every chain role's trust policy and least-privilege permission policy (JSON)")
    .option('-c, --config <file>', 'config file')
    .option('--base-principal <arn>', 'the identity the chains start from (trusted by their first hops)')
    .option('--out <dir>', 'also write one file per policy into this directory')
    .action(async (opts: IamPolicyOptions) => {
      code = await iamPolicyCommand(opts);
    });
  program
    .command('validate')
    .description('check the config file without calling AWS')
    .option('-c, --config <file>', 'config file')
    .action(async (opts: { config?: string }) => {
      code = await validateCommand(opts.config);
    });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(scrubText(`Configuration error:\n${err.message.replace(/^/gm, '  ')}\n`));
      return EXIT.usage;
    }
    throw err;
  }
  return code;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(scrubText(`athena-fanout: ${err instanceof Error ? err.message : String(err)}\n`));
    process.exitCode = EXIT.nothing;
  },
);
