import 'reflect-metadata'
import pg from 'pg'
import { DataSource } from 'typeorm'
import { MIGRATIONS } from '../../../migrations/index.js'
import { StorableClient } from './storable.js'
import { GROWTH_ENTITIES } from './growth-entities.js'
import { CORE_ENTITIES } from './core-entities.js'
import { SOP_FLOW_ENTITIES } from './sop-flow-entities.js'
import { CHURN_ENTITIES } from './churn-entities.js'

export interface DbOptions {
  url: string
  /** PostgreSQL schema holding every table; tests use a fresh one per run. */
  schema: string
  poolSize?: number
  /** connecting (TCP and PostgreSQL's handshake) gives up after this long; none when unset */
  connectTimeoutMs?: number
  /** a query not answered in this long fails on the client side; none when unset */
  queryTimeoutMs?: number
}

/** pg's client options for these DbOptions: a server that accepts but never answers is an error, not a hang. */
function clientOptions(opts: DbOptions, url = opts.url): pg.ClientConfig {
  return { connectionString: url, ...(opts.connectTimeoutMs ? { connectionTimeoutMillis: opts.connectTimeoutMs } : {}), ...(opts.queryTimeoutMs ? { query_timeout: opts.queryTimeoutMs } : {}) }
}

/** The TypeORM data source. Tables are created by migrations only (`synchronize` stays off). */
export function createDataSource(opts: DbOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    schema: opts.schema,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'baton_migrations',
    migrations: MIGRATIONS,
    entities: [...CORE_ENTITIES, ...GROWTH_ENTITIES, ...SOP_FLOW_ENTITIES, ...CHURN_ENTITIES],
    // search_path makes every unqualified name in our SQL resolve to the tenant's schema.
    // StorableClient: every parameter is cleaned of what PostgreSQL refuses (see storable.ts)
    extra: { max: opts.poolSize ?? 10, options: `-c search_path=${opts.schema}`, Client: StorableClient, ...clientOptions(opts) },
    logging: false,
  })
}

/**
 * Creates the database (sandbox convenience: a fresh machine has PostgreSQL but no `baton`
 * database) and the schema, so the first `npm start` needs no manual step.
 */
export async function ensureDatabase(opts: DbOptions): Promise<void> {
  const target = new URL(opts.url)
  const dbName = decodeURIComponent(target.pathname.replace(/^\//, ''))
  const probe = new pg.Client(clientOptions(opts))
  try {
    await probe.connect()
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err // 3D000: database does not exist
    const admin = new URL(opts.url)
    admin.pathname = '/postgres'
    const client = new pg.Client(clientOptions(opts, admin.toString()))
    await client.connect()
    try {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(dbName)}`)
    } catch (createErr) {
      if ((createErr as { code?: string }).code !== '42P04') throw createErr // created concurrently
    } finally {
      await client.end()
    }
    await probe.end().catch(() => undefined)
    return ensureSchema(opts)
  }
  try {
    await probe.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(opts.schema)}`)
  } finally {
    await probe.end()
  }
}

async function ensureSchema(opts: DbOptions): Promise<void> {
  const client = new pg.Client(clientOptions(opts))
  await client.connect()
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(opts.schema)}`)
  } finally {
    await client.end()
  }
}

/** Runs pending migrations; returns the names applied. */
export async function runMigrations(ds: DataSource): Promise<string[]> {
  const applied = await ds.runMigrations({ transaction: 'each' })
  return applied.map((m) => m.name)
}
