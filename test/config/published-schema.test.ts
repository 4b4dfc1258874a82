// docs/pipeline.schema.json (which `init` links for yaml-language-server) checked with a standard
// validator against every config the project ships, and against the tool on configs it must refuse.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { parseSource } from '../../src/config/source-locator.js';
import { starterConfig } from '../../src/cli/starter-config.js';
import { repoRoot } from '../helpers/cli.js';
import { FIXTURE } from './helpers.js';

type Validate = ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };
let validate: Validate;

beforeAll(async () => {
  const schema = JSON.parse(await readFile(`${repoRoot}docs/pipeline.schema.json`, 'utf8')) as object;
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats.default(ajv);
  validate = ajv.compile(schema);
});

/** A config's value as the tool reads it (placeholders such as `{query}` in flow mappings included). */
function configValue(text: string): Record<string, unknown> {
  const source = parseSource(text);
  expect(source.syntaxErrors).toEqual([]);
  return source.value as Record<string, unknown>;
}

function schemaErrors(value: unknown): string[] {
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** Every `${NAME}` the text uses, set to a value that is valid wherever these configs use one. */
function envFor(text: string): Record<string, string> {
  const names = [...text.matchAll(/\$\{([A-Za-z_]\w*)\}/g)].map((m) => m[1]!);
  // A webhook URL variable must hold a URL.
  return Object.fromEntries(
    names.map((n) => [
      n,
      n.endsWith('_URL') ? 'https://hooks.example.com/services/T0/B0/x' : 'fanout-example-value',
    ]),
  );
}

function toolIssues(value: unknown, env: Record<string, string>): string[] {
  const result = parseConfig(value, { env: { AWS_REGION: 'eu-west-1', ...env }, baseDir: '/configs' });
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
}

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The configs in examples/: files that are configs, and configs embedded in Kubernetes ConfigMaps. */
async function exampleConfigs(): Promise<{ name: string; text: string }[]> {
  const found: { name: string; text: string }[] = [];
  for (const file of await yamlFiles(`${repoRoot}examples`)) {
    const text = await readFile(file, 'utf8');
    const name = relative(repoRoot, file);
    for (const doc of parseAllDocuments(text)) {
      const value = doc.toJS() as Record<string, unknown> | null;
      if (value?.kind === 'ConfigMap') {
        const data = (value.data ?? {}) as Record<string, string>;
        for (const [key, embedded] of Object.entries(data)) {
          if (/(^|\.)config\.(ya?ml|json)$/.test(key))
            found.push({ name: `${name} (${key})`, text: embedded });
        }
      } else if (value !== null && 'version' in value && 'queries' in value) {
        found.push({ name, text });
      }
    }
  }
  return found;
}

/** The ```yaml blocks of the README (indented ones too), dedented. */
async function readmeSnippets(): Promise<string[]> {
  const readme = await readFile(`${repoRoot}README.md`, 'utf8');
  return [...readme.matchAll(/^( *)```yaml\n([\s\S]*?)^\1```$/gm)].map(([, indent = '', body = '']) =>
    body
      .split('\n')
      .map((line) => line.slice(indent.length))
      .join('\n'),
  );
}

/** The smallest whole config a top-level fragment is laid over (its keys replace these). */
const BASE = {
  version: 1,
  region: 'eu-west-1',
  auth: { accountRoleChain: ['arn:aws:iam::<accountId>:role/AthenaReader'] },
  queries: [{ name: 'q', sql: 'SELECT 1' }],
  sinks: [{ type: 'parquet', path: 'out/{query}.parquet' }],
};

describe('docs/pipeline.schema.json accepts every config the project ships', () => {
  const shipped = async (): Promise<{ name: string; text: string }[]> => [
    { name: 'pipeline.config.yaml', text: await readFile(`${repoRoot}pipeline.config.yaml`, 'utf8') },
    { name: 'init', text: starterConfig('./docs/pipeline.schema.json') },
    { name: 'test/config/fixtures/pipeline.config.yaml', text: await readFile(FIXTURE, 'utf8') },
    ...(await exampleConfigs()),
  ];

  it('the repository example, init, the test fixture and examples/ (schema and tool agree: valid)', async () => {
    const configs = await shipped();
    expect(configs.some((c) => c.name.startsWith('examples/'))).toBe(true);
    for (const { name, text } of configs) {
      const value = configValue(text);
      expect(schemaErrors(value), `${name} against the schema`).toEqual([]);
      expect(toolIssues(value, envFor(text)), `${name} against the tool`).toEqual([]);
    }
  });

  it("the README's yaml snippets, fragments laid over a minimal config", async () => {
    const snippets = await readmeSnippets();
    expect(snippets.length).toBeGreaterThanOrEqual(4);
    for (const snippet of snippets) {
      const fragment = configValue(snippet);
      const value = 'version' in fragment ? fragment : { ...BASE, ...fragment };
      expect(schemaErrors(value), snippet).toEqual([]);
      expect(toolIssues(value, envFor(snippet)), snippet).toEqual([]);
    }
  });

  it('${ENV} in a field with a pattern, an enum or a format, as the tool allows', () => {
    const value = {
      ...BASE,
      auth: { ...BASE.auth, externalId: '${FANOUT_EXTERNAL_ID}' },
      athena: { fetch: '${FETCH}', outputLocation: 's3://results-${STAGE}/x/' },
      metrics: { pushgateway: '${PUSHGATEWAY_URL}' },
      sinks: [{ type: '${SINK_TYPE}', path: 'out/{query}.parquet' }],
    };
    expect(schemaErrors(value)).toEqual([]);
    const env = {
      FANOUT_EXTERNAL_ID: 'ext-123456',
      FETCH: 'api',
      STAGE: 'prod',
      PUSHGATEWAY_URL: 'http://pushgateway:9091',
      SINK_TYPE: 'arrow',
    };
    expect(toolIssues(value, env)).toEqual([]);
  });
});

describe('docs/pipeline.schema.json refuses what the tool refuses', () => {
  const CASES: { name: string; value: Record<string, unknown>; path: string }[] = [
    { name: 'a misspelt top-level key', value: { ...BASE, sink: BASE.sinks }, path: 'sink' },
    {
      name: 'a misspelt nested key',
      value: { ...BASE, athena: { wrokgroup: 'primary' } },
      path: 'athena.wrokgroup',
    },
    {
      name: 'a misspelt key in a sink',
      value: { ...BASE, sinks: [{ type: 'parquet', path: 'out/{query}.parquet', compresion: 'zstd' }] },
      path: 'sinks.0.compresion',
    },
    {
      name: 'text where a number goes',
      value: { ...BASE, concurrency: { queries: 'four' } },
      path: 'concurrency.queries',
    },
    { name: 'text where true/false goes', value: { ...BASE, failFast: 'yes' }, path: 'failFast' },
    { name: 'an unknown enum value', value: { ...BASE, athena: { fetch: 'ftp' } }, path: 'athena.fetch' },
    {
      name: 'a fractional duration',
      value: { ...BASE, athena: { timeoutSeconds: 16.1 } },
      path: 'athena.timeoutSeconds',
    },
    {
      name: "a duration beyond a timer's limit",
      value: { ...BASE, schedule: { cron: '0 2 * * *', shutdownDeadlineSeconds: 5_000_000 } },
      path: 'schedule.shutdownDeadlineSeconds',
    },
  ];

  it.each(CASES)('$name', ({ value, path }) => {
    expect(schemaErrors(value)).not.toEqual([]);
    expect(toolIssues(value, {}).some((i) => i.startsWith(`${path}: `))).toBe(true);
  });
});
