import { loadConfig } from '../config/index.js';
import { EXIT } from '../manifest.js';

/** `athena-fanout validate`: the config checks of `run`, and no AWS call. */
export async function validateCommand(configPath: string | undefined): Promise<number> {
  const { config, warnings } = await loadConfig(configPath ? { configPath } : {});
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(
    `${config.configFile ?? 'config'} is valid: ${config.queries.length} queries, ${config.sinks.length} sinks.\n`,
  );
  return EXIT.ok;
}
