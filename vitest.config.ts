import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The full fault suite takes minutes: npm run test:faults (its smoke part is in test/e2e).
    exclude: ['test/faults/**', 'node_modules/**'],
    // Integration suites share one Postgres, Redis and NATS; each isolates itself by name,
    // but the machine has 2 cores, so a few files at a time keeps latencies honest.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
