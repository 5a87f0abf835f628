import { defineConfig } from 'vitest/config'

/**
 * `npm run test:faults`: the fault-injection suite (tests/faults). It starts its own PostgreSQL
 * cluster, Redis, gateway and Baton processes and takes ~10 minutes, so it is not part of `npm test`.
 */
export default defineConfig({
  test: {
    include: ['tests/faults/**/*.test.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 180_000,
    // later scenarios still run (and are reported) when an earlier one fails
    bail: 0,
    env: { WECHATY_LOG: 'silent' },
  },
})
