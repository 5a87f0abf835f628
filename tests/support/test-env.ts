import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import pg from 'pg'
import { pino } from 'pino'
import { loadEnv, type Env } from '../../src/config/env.js'
import type { Logger } from '../../src/app/ports.js'

/** The shared test database; every test file works in a schema of its own. */
export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379'

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
}

/** An Env for one test run: fresh schema, fresh queue prefix, random port, migrations on. */
export function testEnv(overrides: Record<string, string> = {}): Env {
  return loadEnv({
    NODE_ENV: 'test',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: uniqueName('t'),
    REDIS_URL: TEST_REDIS_URL,
    BATON_QUEUE_PREFIX: uniqueName('bq'),
    BATON_MIGRATE: 'auto',
    PORT: '0',
    // the inbound spool of one run must never be replayed by another
    BATON_DATA_DIR: join(tmpdir(), uniqueName('baton-data')),
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    // the sandbox tenant without its fake order service: tests see a tenant without orders.lookup
    // unless they turn it on (tests/e2e/commerce-context.test.ts)
    BATON_SANDBOX_ORDERS: 'off',
    ...overrides,
  })
}

export function testLogger(): Logger {
  return pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' })
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
  } finally {
    await client.end()
  }
}

/** Polls until `fn` returns a truthy value (or throws on timeout with the last value). */
export async function eventually<T>(fn: () => Promise<T> | T, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000)
  let last: T | undefined
  let lastErr: unknown
  while (Date.now() < deadline) {
    try {
      last = await fn()
      if (last) return last as NonNullable<T>
    } catch (err) {
      lastErr = err
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50))
  }
  throw new Error(`condition not met in time; last value ${JSON.stringify(last)}${lastErr ? `, last error ${inspect(lastErr)}` : ''}`)
}
