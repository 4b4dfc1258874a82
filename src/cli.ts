#!/usr/bin/env node
// Entry point: argument parsing and exit codes. Each command is a module of src/cli/; the stages it
// runs are wired together below it (a run by src/run/, a merge by src/merge/).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { createLogger } from './observability/logger.js';
import { registerEnvSecrets, scrubText } from './observability/redact.js';
import { ConfigError } from './errors.js';
import { EXIT } from './manifest.js';
import { registerRunCommand } from './cli/run-command.js';
import { registerOperationsCommands } from './cli/operations-commands.js';
import { registerInspectionCommands } from './cli/inspection-commands.js';
import { registerReportCommand } from './cli/report-command.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The program and its global options (the log's level and format). */
function program(): Command {
  return new Command()
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
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const setCode = (c: number) => {
    code = c;
  };
  const cli = program();
  registerEnvSecrets();
  const logger = () => {
    const { logLevel, logFormat } = cli.opts<{ logLevel: string; logFormat: string }>();
    return createLogger({ level: logLevel, format: logFormat as 'json' | 'pretty' | 'auto' });
  };
  registerRunCommand(cli, logger, setCode);
  registerOperationsCommands(cli, logger, setCode);
  registerInspectionCommands(cli, logger, setCode);
  registerReportCommand(cli, setCode);
  try {
    await cli.parseAsync(argv);
  } catch (err) {
    return exitCodeOf(err);
  }
  return code;
}

/** Usage and configuration errors: reported here, exit 2. Anything else is thrown on. */
function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) {
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof ConfigError) {
    process.stderr.write(scrubText(`Configuration error:\n${err.message.replace(/^/gm, '  ')}\n`));
    return EXIT.usage;
  }
  throw err;
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
