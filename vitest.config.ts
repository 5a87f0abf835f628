import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // the fault-injection suite runs on its own: npm run test:faults (vitest.faults.config.ts)
    exclude: ['tests/faults/**', 'node_modules/**'],
    // Integration and e2e tests share one PostgreSQL and Redis; each file gets its own
    // schema and queue prefix, but files run one at a time to keep a 2-core machine calm.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './tests/support/summary-reporter.ts'],
    // Wechaty's own logger is chatty; tests read what people in the groups see instead.
    env: { WECHATY_LOG: 'silent' },
  },
})
