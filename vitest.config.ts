import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // ORT sessions use native threads; forks keep each file's runtime isolated.
    pool: 'forks',
    reporters: ['default', './test/summaryReporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
