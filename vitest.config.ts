import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

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
    // The emulator package's own tests live with it (emulator/test).
    include: ['test/**/*.test.ts', 'emulator/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/closing-line-reporter.ts'],
  },
});
