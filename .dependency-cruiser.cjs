// The import rule of docs/ARCHITECTURE.md, checked by `npm run check`. Stages are layered: a folder may
// import the folders below it, never one above or beside it; the leaves import no stage.
const layers = [
  ['cli', '^src/(cli\\.ts|cli/)'],
  ['report', '^src/report/'],
  ['merge', '^src/merge/'],
  ['run', '^src/run/'],
  ['notify', '^src/notify/'],
  ['plan', '^src/plan/'],
  ['datasets', '^src/datasets/'],
  ['sinks', '^src/sinks/'],
  ['extract', '^src/extract/'],
  ['accounts', '^src/accounts/'],
  ['auth-chain', '^src/auth-chain/'],
  ['aws', '^src/aws/'],
  ['config', '^src/config/'],
];
// sinks and extract stand side by side: neither imports the other.
const beside = { sinks: ['extract'], extract: ['sinks'] };

const upward = layers.slice(1).map(([name, path], j) => ({
  name: `no-${name}-upward`,
  comment: `${name} imports only the stages below it`,
  severity: 'error',
  from: { path },
  to: {
    path: [
      ...layers.slice(0, j + 1).map(([, p]) => p),
      ...(beside[name] ?? []).map((b) => layers.find(([n]) => n === b)[1]),
    ],
  },
}));

// Inside extract: results → query, csv → columns; columns and query import no other part.
const extractParts = [
  ['columns', ['csv', 'results', 'query']],
  ['csv', ['results', 'query']],
  ['query', ['results', 'csv', 'columns']],
];
const extract = extractParts.map(([part, forbidden]) => ({
  name: `no-extract-${part}-upward`,
  severity: 'error',
  from: { path: `^src/extract/${part}/` },
  to: { path: `^src/extract/(${forbidden.join('|')})/` },
}));

// notify sits below run and merge, but needs only what a run has finished with: no stage doing the work.
const notifyOnly = {
  name: 'notify-imports-little',
  comment: 'notify imports config, aws, the leaves; never the stages that run queries or write outputs',
  severity: 'error',
  from: { path: '^src/notify/' },
  to: { path: '^src/(plan|datasets|sinks|extract|accounts|auth-chain)/' },
};

// report sits just below cli but reads finished manifests only: no stage that runs anything.
const reportOnly = {
  name: 'report-imports-leaves',
  comment: 'report imports manifest.ts, errors.ts and observability/; no stage',
  severity: 'error',
  from: { path: '^src/report/' },
  to: { path: '^src/', pathNot: '^src/(report/|errors\\.ts|manifest\\.ts|observability/)' },
};

module.exports = {
  forbidden: [
    notifyOnly,
    reportOnly,
    {
      name: 'no-circular',
      comment: 'No import circle anywhere, in the tool or the emulator.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'leaves-stay-leaves',
      comment: 'errors.ts, manifest.ts, scheduler/ and observability/ are used by every stage and use none.',
      severity: 'error',
      from: { path: '^src/(errors\\.ts|manifest\\.ts|scheduler/|observability/)' },
      to: { path: '^src/', pathNot: '^src/(errors\\.ts|manifest\\.ts|scheduler/|observability/)' },
    },
    {
      name: 'tool-never-imports-emulator',
      comment: 'The emulator is its own package, for tests and the demo only.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^emulator/' },
    },
    {
      name: 'emulator-never-imports-tool',
      comment: "The emulator models AWS; sharing the tool's code would let a bug agree with itself.",
      severity: 'error',
      from: { path: '^emulator/' },
      to: { path: '^src/' },
    },
    ...upward,
    ...extract,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // The emulator's build output, not its source.
    exclude: { path: '^emulator/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
