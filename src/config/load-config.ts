import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, join, parse, resolve } from 'node:path';
import { cosmiconfig, type Loader } from 'cosmiconfig';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { executingFieldsIn } from './executing-fields.js';
import { validateConfig } from './parse-config.js';
import { parseSource } from './source-locator.js';
import type { LoadConfigOptions, LoadedConfig } from './types.js';

export const CONFIG_FILE_NAMES = ['pipeline.config.yaml', 'pipeline.config.yml', 'pipeline.config.json'];

/** Config files that would run code when loaded: refused, since validation must stay free of side effects. */
const CODE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']);

/** What a loader hands back: the text, so we can parse it ourselves and keep line numbers. */
class SourceText {
  constructor(readonly text: string) {}
}

const keepText: Loader = (_filepath, content) => new SourceText(content);

function explorer() {
  return cosmiconfig('athena-fanout', {
    searchPlaces: CONFIG_FILE_NAMES,
    // JSON is YAML, and one parser gives one kind of position for every message.
    loaders: { '.yaml': keepText, '.yml': keepText, '.json': keepText, noExt: keepText, default: keepText },
    mergeSearchPlaces: false,
    // Each directory is searched on its own (see findConfig), so no global config dir sneaks in.
    searchStrategy: 'none',
    ignoreEmptySearchPlaces: false,
    cache: false,
  });
}

/**
 * Finds (`pipeline.config.yaml|yml|json` from `cwd` up to the repository root or the home directory)
 * or loads (`configPath`) the config file, then validates and normalises it. A found config that
 * would run a command is refused: only `--config` may name such a file. Throws ConfigError carrying
 * every issue.
 */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const file = opts.configPath === undefined ? await findConfig(cwd) : resolve(cwd, opts.configPath);
  const text = await readConfig(file, opts.configPath !== undefined);
  const source = parseSource(text);
  const fail = (issues: Omit<ConfigIssue, 'file'>[]): never => {
    throw new ConfigError(issues.map((issue) => ({ ...issue, file })));
  };
  if (source.syntaxErrors.length > 0) {
    fail(source.syntaxErrors.map(({ message, line, column }) => ({ path: '', message, line, column })));
  }
  if (source.value === null || source.value === undefined) {
    fail([{ path: '', message: 'the file has no settings; start with "version: 1"' }]);
  }
  if (opts.configPath === undefined) {
    const executing = executingFieldsIn(source.value);
    if (executing.length > 0) {
      fail(
        executing.map((path) => {
          const at = source.locator.locate(path);
          return {
            path: path.join('.'),
            message: `runs a command, and this config was found by searching from ${cwd} rather than named with --config: a config file found that way may not be yours, so nothing in it is run. If you trust it, pass --config ${file}`,
            ...(at === undefined ? {} : { line: at.line, column: at.column }),
          };
        }),
      );
    }
  }
  const result = validateConfig(
    source.value,
    { file, env: opts.env ?? process.env, baseDir: dirname(file) },
    source.locator,
  );
  if (!result.ok) throw new ConfigError(result.issues);
  return { config: result.config, warnings: result.warnings };
}

async function findConfig(cwd: string): Promise<string> {
  const dirs = await searchDirs(cwd);
  const search = explorer();
  for (const dir of dirs) {
    const found = await search.search(dir);
    if (found) return found.filepath;
  }
  throw new ConfigError([
    {
      path: '',
      message: `no ${CONFIG_FILE_NAMES.join(', ')} found in ${dirs.join(', ')} (the search stops at the repository root or the home directory); create one or pass --config FILE`,
    },
  ]);
}

/**
 * `cwd` and its parents up to the nearest repository root (a directory holding `.git`) or the home
 * directory, whichever comes first. Outside both, only `cwd` itself: the search never climbs into
 * shared directories such as `/tmp` or `/`.
 */
async function searchDirs(cwd: string): Promise<string[]> {
  const home = homedir();
  const dirs = [cwd];
  for (let dir = cwd; ;) {
    if (await exists(join(dir, '.git'))) return dirs;
    // A home of `/` (some containers) is no boundary: it would let the search reach the root.
    if (dir === home && dir !== parse(dir).root) return dirs;
    const parent = dirname(dir);
    if (parent === dir) return [cwd];
    dir = parent;
    dirs.push(dir);
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function readConfig(file: string, explicit: boolean): Promise<string> {
  if (CODE_EXTENSIONS.has(extname(file).toLowerCase())) {
    throw new ConfigError([{ path: '', file, message: 'only YAML or JSON config files are supported' }]);
  }
  let loaded;
  try {
    loaded = await explorer().load(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = explicit ? 'config file given with --config' : 'config file';
    const message =
      code === 'ENOENT'
        ? `${what} not found`
        : code === 'EISDIR'
          ? `${what} is a directory, not a file`
          : `cannot read ${what}: ${err instanceof Error ? err.message : String(err)}`;
    throw new ConfigError([{ path: '', file, message }], { cause: err });
  }
  // cosmiconfig skips its loader for a blank file and reports it as empty.
  return loaded?.config instanceof SourceText ? loaded.config.text : '';
}
