import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import { EXIT } from '../manifest.js';
import { starterConfig } from './starter-config.js';

// dist/src/cli/ → the package's docs/ (shipped in the npm package and the container image).
const SCHEMA_FILE = fileURLToPath(new URL('../../../docs/pipeline.schema.json', import.meta.url));

/** `athena-fanout init [FILE]`: writes a commented starter config; never overwrites without --force. */
export async function initCommand(file: string | undefined, opts: { force?: boolean }): Promise<number> {
  const target = resolve(file ?? 'pipeline.config.yaml');
  if (existsSync(target) && !opts.force) {
    throw new ConfigError([{ path: '', message: `${target} exists: pass --force to overwrite it` }]);
  }
  const rel = relative(dirname(target), SCHEMA_FILE);
  const schemaRef = existsSync(SCHEMA_FILE) ? (rel.startsWith('.') ? rel : `./${rel}`) : SCHEMA_URL;
  await writeFile(target, starterConfig(schemaRef), { flag: opts.force ? 'w' : 'wx' });
  process.stdout.write(
    `Wrote ${target}. Edit the role ARNs and queries, then: athena-fanout validate --config ${target}\n`,
  );
  return EXIT.ok;
}

const SCHEMA_URL =
  'https://raw.githubusercontent.com/athena-fanout/athena-fanout/main/docs/pipeline.schema.json';
