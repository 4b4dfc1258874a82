import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig, type PipelineConfig } from '../../src/config/index.js';
import { ENV, FIXTURE, edit, lineOf, loadText, scratchEach } from './helpers.js';

let dir: string;
let valid: string;
scratchEach((scratch) => ({ dir, valid } = scratch));

const MINIMAL = `version: 1
region: eu-west-1
auth:
  accountRoleChain: [arn:aws:iam::<accountId>:role/AthenaReader]
queries:
  - { name: q, sql: SELECT 1 }
sinks:
  - { type: parquet, path: q.parquet }
`;

function ok(result: ReturnType<typeof parseConfig>): { config: PipelineConfig; warnings: string[] } {
  if (!result.ok) throw new Error(`expected a valid config, got:\n${JSON.stringify(result.issues, null, 2)}`);
  return result;
}

describe('a valid config becomes a fully normalised PipelineConfig', () => {
  it('the example fixture: hop defaults applied, athena defaults merged into queries, paths absolute', async () => {
    const { config, warnings, file } = await loadText(dir, valid);
    expect(warnings).toEqual([]);
    expect(config.configFile).toBe(file);
    expect(config.region).toBe('eu-west-1');
    expect(config.auth.masterRoleChain).toEqual([
      {
        arn: 'arn:aws:iam::111111111111:role/OrgHub',
        sessionName: 'athena-fanout',
        durationSeconds: 3600,
        externalId: 'ext-secret-42',
      },
      {
        arn: 'arn:aws:iam::111111111111:role/OrgReader',
        sessionName: 'org-reader',
        durationSeconds: 3600,
        externalId: 'ext-secret-42',
      },
    ]);
    expect(config.accounts).toEqual({
      source: 'organization',
      exclude: ['222222222222'],
      excludeOrganizationalUnits: [],
      states: ['ACTIVE'],
    });
    expect(config.queries[1]).toEqual({
      name: 'costs',
      sql: 'SELECT account, SUM(cost) AS cost FROM costs GROUP BY account',
      workgroup: 'finance',
      database: 'inventory',
      catalog: 'AwsDataCatalog',
      outputLocation: 's3://athena-results-<accountId>/fanout/',
      regions: ['eu-west-1'],
      fetch: 'auto',
      unload: { keep: false },
      schema: 'union',
      provenance: [{ field: 'account_id', name: 'account_id' }],
    });
    expect(config.sinks).toEqual([
      {
        type: 'parquet',
        path: join(dir, 'out/{query}.parquet'),
        compression: 'zstd',
        ifExists: 'overwrite',
        layout: 'merged',
      },
      { type: 'arrow', path: join(dir, 'out/{query}.arrow'), ifExists: 'overwrite', layout: 'merged' },
    ]);
    expect(config.manifest).toBe(join(dir, 'out/manifest.json'));
  });

  it('fills every default of a minimal config', () => {
    const { config } = ok(parseConfig(parse(MINIMAL), { env: {}, baseDir: '/base' }));
    expect(config).toEqual({
      version: 1,
      region: 'eu-west-1',
      regions: ['eu-west-1'],
      auth: {
        masterRoleChain: [],
        accountRoleChain: [
          {
            arn: 'arn:aws:iam::<accountId>:role/AthenaReader',
            sessionName: 'athena-fanout',
            durationSeconds: 3600,
          },
        ],
        accountChainFrom: 'base',
        managementAccountChain: 'master',
      },
      accounts: {
        source: 'organization',
        exclude: [],
        excludeOrganizationalUnits: [],
        states: ['ACTIVE'],
      },
      athena: { workgroup: 'primary', fetch: 'auto', unload: { keep: false }, schema: 'union' },
      concurrency: { queries: 16, perAccount: 2, accounts: 8 },
      pricePerTB: 5,
      retries: { query: 2 },
      failFast: false,
      vars: {},
      queries: [
        {
          name: 'q',
          sql: 'SELECT 1',
          workgroup: 'primary',
          regions: ['eu-west-1'],
          fetch: 'auto',
          unload: { keep: false },
          schema: 'union',
          provenance: [{ field: 'account_id', name: 'account_id' }],
        },
      ],
      overrides: [],
      sinks: [
        {
          type: 'parquet',
          path: '/base/q.parquet',
          compression: 'zstd',
          ifExists: 'overwrite',
          layout: 'merged',
        },
      ],
      manifest: '/base/out/manifest.json',
      notify: [],
    });
  });

  it('per-hop values win over the auth-level ones', () => {
    const yaml = MINIMAL.replace(
      '  accountRoleChain: [arn:aws:iam::<accountId>:role/AthenaReader]',
      `  externalId: shared-id
  sessionName: fanout
  durationSeconds: 1800
  accountRoleChain:
    - arn: arn:aws:iam::<accountId>:role/AthenaReader
      externalId: own-id
      sessionName: reader-<accountId>
      durationSeconds: 900`,
    );
    const { config } = ok(parseConfig(parse(yaml), { env: {} }));
    expect(config.auth.accountRoleChain).toEqual([
      {
        arn: 'arn:aws:iam::<accountId>:role/AthenaReader',
        externalId: 'own-id',
        sessionName: 'reader-<accountId>',
        durationSeconds: 900,
      },
    ]);
  });

  it('normalises {accountId} to <accountId> in the account chain and output locations', () => {
    const yaml = edit(
      MINIMAL,
      '[arn:aws:iam::<accountId>:role/AthenaReader]',
      '["arn:aws:iam::{accountId}:role/AthenaReader"]',
    ).concat('athena:\n  outputLocation: s3://results-{accountId}/fanout/\n');
    const { config } = ok(parseConfig(parse(yaml), { env: {} }));
    expect(config.auth.accountRoleChain[0]?.arn).toBe('arn:aws:iam::<accountId>:role/AthenaReader');
    expect(config.athena.outputLocation).toBe('s3://results-<accountId>/fanout/');
    expect(config.queries[0]?.outputLocation).toBe('s3://results-<accountId>/fanout/');
  });

  it('accepts {query}, {accountId} and ${VAR} unquoted inside { } and [ ], though strict YAML would not', async () => {
    let yaml = edit(valid, "path: 'out/{query}.parquet'", 'path: out/{query}.parquet');
    yaml = edit(
      yaml,
      '    - arn:aws:iam::{accountId}:role/AthenaReader',
      '    - { arn: arn:aws:iam::{accountId}:role/AthenaReader, sessionName: s-{accountId} }',
    );
    yaml = edit(yaml, "exclude: ['222222222222']", 'exclude: [${EXCLUDED}]');
    yaml = edit(yaml, 'sql: SELECT * FROM inventory', "sql: SELECT * FROM inventory WHERE x = '$${literal}'");
    const { config } = await loadText(dir, yaml, { ...ENV, EXCLUDED: '222222222222' });
    expect(config.sinks[0]?.path).toBe(join(dir, 'out/{query}.parquet'));
    expect(config.auth.accountRoleChain[0]).toMatchObject({
      arn: 'arn:aws:iam::<accountId>:role/AthenaReader',
      sessionName: 's-<accountId>',
    });
    expect(config.accounts.exclude).toEqual(['222222222222']);
    expect(config.queries[0]?.sql).toBe("SELECT * FROM inventory WHERE x = '${literal}'");
  });

  it('a YAML error in a line with placeholders reports the text as written', async () => {
    const yaml = edit(valid, "path: 'out/{query}.parquet'", 'path: out/{query}.parquet }}');
    const err = await loadText(dir, yaml).catch((e: unknown) => e);
    expect(String(err)).not.toMatch(/\u27e6|\u27e7/);
    expect(String(err)).toMatch(/invalid YAML/);
  });

  it('resolves relative paths against the config file directory, not the cwd, and keeps absolute ones', async () => {
    const yaml = edit(valid, 'path: out/{query}.arrow', 'path: /data/{query}.arrow').replace(
      'manifest: out/manifest.json',
      'manifest: ../reports/manifest.json',
    );
    const { config } = await loadText(dir, yaml);
    expect(process.cwd()).not.toBe(dir);
    expect(config.sinks[0]?.path).toBe(join(dir, 'out/{query}.parquet'));
    expect(config.sinks[1]?.path).toBe('/data/{query}.arrow');
    expect(config.manifest).toBe(join(dir, '../reports/manifest.json'));
  });

  it('keeps an s3:// manifest as the URL (shards without a shared disk); refuses one naming no object', () => {
    const at = (manifest: string) =>
      parseConfig({ ...(parse(MINIMAL) as object), manifest }, { env: {}, baseDir: '/b' });
    expect(ok(at('s3://runs-bucket/nightly/manifest.json')).config.manifest).toBe(
      's3://runs-bucket/nightly/manifest.json',
    );
    for (const [url, message] of [
      ['s3://runs-bucket/nightly/', /names no object/],
      ['s3://Runs_Bucket/m.json', /not a valid S3 bucket name/],
      ['s3://runs-bucket/{runId}.json', /no placeholders/],
      ['https://example.com/m.json', /https:\/\/ is not supported here/],
    ] as const) {
      const refused = parseConfig(
        { ...(parse(MINIMAL) as object), manifest: url },
        { env: {}, baseDir: '/b' },
      );
      expect(refused.ok, url).toBe(false);
      if (!refused.ok)
        expect(refused.issues.map((i) => `${i.path}: ${i.message}`).join('\n')).toMatch(message);
    }
  });

  it('a single query may write to a path without {query}', () => {
    const { config } = ok(parseConfig(parse(MINIMAL), { env: {}, baseDir: '/b' }));
    expect(config.sinks[0]?.path).toBe('/b/q.parquet');
  });

  it('a partitioned sink needs no {query} with several queries (it writes query=<name>/ itself)', () => {
    const yaml = MINIMAL.replace(
      '  - { name: q, sql: SELECT 1 }\n',
      '  - { name: q, sql: SELECT 1 }\n  - { name: r, sql: SELECT 2 }\n',
    ).replace(
      '{ type: parquet, path: q.parquet }',
      "{ type: parquet, path: 's3://lake-bucket/lake/', layout: partitioned, kmsKeyId: alias/k, bucketKey: true }",
    );
    const { config } = ok(parseConfig(parse(yaml), { env: {}, baseDir: '/b' }));
    expect(config.sinks[0]).toMatchObject({
      path: 's3://lake-bucket/lake/',
      layout: 'partitioned',
      kmsKeyId: 'alias/k',
      bucketKey: true,
    });
    const merged = yaml.replace(', layout: partitioned', '');
    const refused = parseConfig(parse(merged), { env: {}, baseDir: '/b' });
    expect(refused.ok).toBe(false);
  });

  it('takes the list of accounts when source is list', () => {
    const yaml = `${MINIMAL}accounts:\n  source: list\n  ids: ["012345678901", "111111111111"]\n  include: ["012345678901"]\n`;
    const { config } = ok(parseConfig(parse(yaml), { env: {} }));
    expect(config.accounts).toEqual({
      source: 'list',
      ids: ['012345678901', '111111111111'],
      include: ['012345678901'],
      exclude: [],
      states: ['ACTIVE'],
    });
  });
});

describe('region', () => {
  const noRegion = MINIMAL.replace('region: eu-west-1\n', '');

  it('falls back to AWS_REGION, then AWS_DEFAULT_REGION', () => {
    expect(
      ok(parseConfig(parse(noRegion), { env: { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'eu-north-1' } }))
        .config.region,
    ).toBe('us-east-2');
    expect(
      ok(parseConfig(parse(noRegion), { env: { AWS_DEFAULT_REGION: 'eu-north-1' } })).config.region,
    ).toBe('eu-north-1');
  });

  it('the config wins over the environment', () => {
    expect(ok(parseConfig(parse(MINIMAL), { env: { AWS_REGION: 'us-east-2' } })).config.region).toBe(
      'eu-west-1',
    );
  });

  it('none anywhere is an error saying where to set it', () => {
    const result = parseConfig(parse(noRegion), { env: {} });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues).toEqual([
        { path: 'region', message: expect.stringMatching(/AWS_REGION/) as unknown },
      ]);
  });
});

describe('${ENV} interpolation', () => {
  it('works in every string value: scalars, list items, hop mappings, SQL and paths; $${ is a literal ${', () => {
    const yaml = `version: 1
region: \${REGION}
auth:
  externalId: \${EXT}
  masterRoleChain:
    - arn: arn:aws:iam::\${HUB}:role/OrgHub
  accountRoleChain: ["arn:aws:iam::<accountId>:role/\${ROLE}"]
accounts:
  exclude: ["\${EXCLUDED}"]
athena:
  workgroup: \${WG}
queries:
  - name: q
    sql: SELECT '$\${not_a_var}', '\${TABLE}' FROM \${TABLE}
sinks:
  - type: parquet
    path: \${OUT}/{query}.parquet
`;
    const env = {
      REGION: 'ap-southeast-2',
      EXT: 'ext-1',
      HUB: '111111111111',
      ROLE: 'Reader',
      EXCLUDED: '222222222222',
      WG: 'analytics',
      TABLE: 'inventory',
      OUT: '/results',
    };
    const { config } = ok(parseConfig(parse(yaml), { env }));
    expect(config.region).toBe('ap-southeast-2');
    expect(config.auth.masterRoleChain[0]).toMatchObject({
      arn: 'arn:aws:iam::111111111111:role/OrgHub',
      externalId: 'ext-1',
    });
    expect(config.auth.accountRoleChain[0]?.arn).toBe('arn:aws:iam::<accountId>:role/Reader');
    expect(config.accounts.exclude).toEqual(['222222222222']);
    expect(config.queries[0]).toMatchObject({
      workgroup: 'analytics',
      sql: "SELECT '${not_a_var}', 'inventory' FROM inventory",
    });
    expect(config.sinks[0]?.path).toBe('/results/{query}.parquet');
  });

  it('names every unset variable with its field, all at once', () => {
    const yaml = MINIMAL.replace('SELECT 1', '"SELECT * FROM ${A}_${B}"').replace(
      'q.parquet',
      '"${C}/q.parquet"',
    );
    const result = parseConfig(parse(yaml), { env: { B: 'x' } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'queries.0.sql: environment variable A is not set',
      'sinks.0.path: environment variable C is not set',
    ]);
  });

  it('an unknown key is still reported when its value names an unset variable', () => {
    const result = parseConfig(parse(`${MINIMAL}retryCount: \${RETRIES}\n`), { env: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.message)).toEqual([
      'environment variable RETRIES is not set',
      expect.stringMatching(/^unknown key "retryCount"/),
    ]);
  });

  it('does not touch the caller object', () => {
    const raw = parse(MINIMAL.replace('SELECT 1', '"SELECT ${X}"')) as { queries: { sql: string }[] };
    ok(parseConfig(raw, { env: { X: '1' } }));
    expect(raw.queries[0]?.sql).toBe('SELECT ${X}');
  });
});

describe('role chaining caps durationSeconds at 3600 with a warning', () => {
  it('caps a later master hop, not the first, and says which hop and where', async () => {
    const yaml = edit(
      valid,
      '    - arn:aws:iam::111111111111:role/OrgHub',
      '    - arn: arn:aws:iam::111111111111:role/OrgHub\n      durationSeconds: 7200',
    ).replace('      sessionName: org-reader', '      sessionName: org-reader\n      durationSeconds: 7200');
    const { config, warnings, file } = await loadText(dir, yaml);
    expect(config.auth.masterRoleChain.map((h) => h.durationSeconds)).toEqual([7200, 3600]);
    expect(warnings).toHaveLength(1);
    const line =
      yaml
        .split('\n')
        .findIndex((l, i) => l.includes('durationSeconds: 7200') && i > lineOf(yaml, 'OrgReader') - 1) + 1;
    expect(warnings[0]).toMatch(
      new RegExp(
        `^${file}:${line}:\\d+: auth\\.masterRoleChain\\.1\\.durationSeconds: .*role chaining.*3600`,
      ),
    );
  });

  it('caps the account chain when it starts from the master chain, not when it starts from base', () => {
    const yaml = MINIMAL.replace(
      '  accountRoleChain:',
      '  durationSeconds: 7200\n  masterRoleChain: [arn:aws:iam::111111111111:role/OrgHub]\n  accountRoleChain:',
    );
    const fromBase = ok(parseConfig(parse(yaml), { env: {} }));
    expect(fromBase.config.auth.accountRoleChain[0]?.durationSeconds).toBe(7200);
    expect(fromBase.warnings).toEqual([]);

    const fromMaster = ok(
      parseConfig(parse(yaml.replace('auth:\n', 'auth:\n  accountChainFrom: master\n')), { env: {} }),
    );
    expect(fromMaster.config.auth.masterRoleChain[0]?.durationSeconds).toBe(7200);
    expect(fromMaster.config.auth.accountRoleChain[0]?.durationSeconds).toBe(3600);
    expect(fromMaster.warnings).toEqual([
      expect.stringMatching(
        /^auth\.durationSeconds: auth\.accountRoleChain\.0 is assumed with role credentials/,
      ),
    ]);
  });

  it('caps a second account hop', () => {
    const yaml = MINIMAL.replace(
      '  accountRoleChain: [arn:aws:iam::<accountId>:role/AthenaReader]',
      '  accountRoleChain:\n    - arn:aws:iam::<accountId>:role/Jump\n    - { arn: "arn:aws:iam::<accountId>:role/AthenaReader", durationSeconds: 43200 }',
    );
    const { config, warnings } = ok(parseConfig(parse(yaml), { env: {} }));
    expect(config.auth.accountRoleChain.map((h) => h.durationSeconds)).toEqual([3600, 3600]);
    expect(warnings).toHaveLength(1);
  });
});

describe('parseConfig without source text', () => {
  it('still names the field, with no line', () => {
    const result = parseConfig(
      { version: 1, region: 'eu-west-1', auth: {}, queries: [], sinks: [] },
      { env: {}, file: FIXTURE },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path)).toEqual(['auth.accountRoleChain', 'queries', 'sinks']);
    expect(result.issues.every((i) => i.line === undefined && i.file === FIXTURE)).toBe(true);
  });

  it('a document that is not a mapping', () => {
    const result = parseConfig(['x'], { env: {} });
    expect(result).toEqual({
      ok: false,
      issues: [{ path: '', message: 'expected a mapping (key: value), got a list' }],
    });
  });
});

describe('fetch (how results are read)', () => {
  const withFetch = (athena: string, query: string) =>
    `version: 1
region: eu-west-1
auth: { masterRoleChain: [arn:aws:iam::111111111111:role/Hub], accountRoleChain: [arn:aws:iam::<accountId>:role/R] }
athena: { outputLocation: s3://results-bucket/x/${athena} }
queries:
  - { name: a, sql: SELECT 1${query} }
  - { name: b, sql: SELECT 2 }
sinks: [{ type: parquet, path: 'out/{query}.parquet' }]
`;

  it('defaults to auto, takes a global value, and a query may override it', () => {
    const { config } = ok(parseConfig(parse(withFetch(', fetch: api', ', fetch: s3')), { env: {} }));
    expect(config.athena.fetch).toBe('api');
    expect(config.queries.map((q) => q.fetch)).toEqual(['s3', 'api']);
    const plain = ok(parseConfig(parse(withFetch('', '')), { env: {} })).config;
    expect(plain.queries.map((q) => q.fetch)).toEqual(['auto', 'auto']);
  });

  it('rejects an unknown fetch mode, naming the field', () => {
    const result = parseConfig(parse(withFetch('', ', fetch: ftp')), { env: {} });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues.map((i) => `${i.path}: ${i.message}`)).toContain(
        'queries.0.fetch: expected auto, api, s3 or unload',
      );
  });

  it('unload: a global location and keep, each overridable per query; <accountId> and <region> kept', () => {
    const { config } = ok(
      parseConfig(
        parse(
          withFetch(
            ', fetch: unload, unload: { location: "s3://unload-{accountId}/{region}/", keep: true }',
            ', unload: { keep: false }',
          ),
        ),
        { env: {} },
      ),
    );
    expect(config.queries.map((q) => [q.fetch, q.unload])).toEqual([
      ['unload', { location: 's3://unload-<accountId>/<region>/', keep: false }],
      ['unload', { location: 's3://unload-<accountId>/<region>/', keep: true }],
    ]);
  });

  it('rejects an unload location that is no S3 prefix, and unknown unload keys', () => {
    const result = parseConfig(
      parse(
        withFetch('', ', fetch: unload, unload: { location: "s3://unload-bucket/no-slash", delete: true }'),
      ),
      { env: {} },
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const issues = result.issues.map((i) => `${i.path}: ${i.message}`);
      expect(issues).toContain(
        'queries.0.unload.location: must end with "/": Athena writes results under this prefix',
      );
      expect(issues).toContain('queries.0.unload.delete: unknown key "delete"; allowed here: location, keep');
    }
  });
});

describe('provenance columns', () => {
  const withProvenance = (provenance: string) =>
    `version: 1
region: eu-west-1
auth: { masterRoleChain: [arn:aws:iam::111111111111:role/Hub], accountRoleChain: [arn:aws:iam::<accountId>:role/R] }
athena: { outputLocation: s3://results-bucket/x/ }
queries: [{ name: a, sql: SELECT 1 }]
sinks: [{ type: parquet, path: 'out/{query}.parquet' }]
${provenance}
`;

  it('account_id by default; others switched on in a fixed order, renamed when given a name', () => {
    const plain = ok(parseConfig(parse(withProvenance('')), { env: {} })).config;
    expect(plain.queries[0]!.provenance).toEqual([{ field: 'account_id', name: 'account_id' }]);
    const custom = ok(
      parseConfig(
        parse(
          withProvenance(
            'provenance: { ou_path: true, account_id: acct, region: true, extracted_at: loaded_at }',
          ),
        ),
        { env: {} },
      ),
    ).config;
    expect(custom.queries[0]!.provenance).toEqual([
      { field: 'account_id', name: 'acct' },
      { field: 'region', name: 'region' },
      { field: 'extracted_at', name: 'loaded_at' },
      { field: 'ou_path', name: 'ou_path' },
    ]);
  });

  it('refuses two provenance columns with one name, and unknown ones', () => {
    const result = parseConfig(parse(withProvenance('provenance: { region: account_id, owner: true }')), {
      env: {},
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const messages = result.issues.map((i) => `${i.path}: ${i.message}`);
      expect(messages.some((m) => m.startsWith('provenance.owner: unknown key'))).toBe(true);
    }
    const dup = parseConfig(parse(withProvenance('provenance: { region: account_id }')), { env: {} });
    expect(dup.ok).toBe(false);
    if (!dup.ok)
      expect(dup.issues.map((i) => `${i.path}: ${i.message}`)).toContain(
        'provenance.region: names the same column as account_id: account_id',
      );
  });
});
