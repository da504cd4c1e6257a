import { defineConfig } from 'vitest/config';

/** npm run test:faults: the fault-injection suite, one file at a time (each boots a multi-process cluster). */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    maxWorkers: 1,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
