import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defaultExclude, defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests import @athena-fanout/emulator from its TypeScript source, as tsc sees it (the package's
    // athena-fanout-source condition), so they need no emulator build and never run a stale one.
    alias: [
      {
        find: /^@athena-fanout\/emulator$/,
        replacement: fileURLToPath(new URL('./emulator/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most test time is spent waiting on the emulator's latencies and on timers, not on the CPU, so at
    // least two files run at once even on 2 cores (vitest's default there, cores − 1, is one at a time,
    // which doubles the suite's wall time).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    reporters: ['default', './test/closing-line-reporter.ts'],
    // `vitest run` runs both; `--project unit` (npm run test:unit) the fast suite alone, from source.
    projects: [
      {
        extends: true,
        test: {
          // Everything but test/e2e/, the in-process emulator over HTTP included; no test here needs dist/.
          name: 'unit',
          include: ['test/**/*.test.ts', 'emulator/test/**/*.test.ts'],
          exclude: [...defaultExclude, 'test/e2e/**'],
        },
      },
      {
        extends: true,
        test: {
          // The built CLI (dist/) in real processes, and whole runs against the emulator.
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
        },
      },
    ],
  },
});
