import pg from 'pg'
import { storableText } from '../../domain/storable-text.js'

// PostgreSQL refuses NUL in text and jsonb, and lone surrogates in jsonb. Every value on its way
// in passes here, so no column can refuse a string some sender typed (a refused write left a
// message recorded but undecided until the next restart).

// eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL text refuses
const NEEDS_CLEANING = /[\u0000\uD800-\uDFFF]/

const clean = (s: string): string => (NEEDS_CLEANING.test(s) ? storableText(s) : s)

/** An object with its keys cleaned; the same object when no key needed it. */
function cleanKeys(o: object): object {
  const keys = Object.keys(o)
  if (!keys.some((k) => NEEDS_CLEANING.test(k))) return o
  return Object.fromEntries(keys.map((k) => [clean(k), (o as Record<string, unknown>)[k]]))
}

/**
 * JSON for a jsonb (or json-recordset) parameter, every string and key cleaned as the message
 * row's text is. The db adapter builds jsonb parameters with this, never with JSON.stringify.
 */
export function storableJson(value: unknown): string {
  // JSON.stringify writes a NUL as the text \u0000 and a lone surrogate as \udXXX (a pair stays
  // the character itself), so the plain output shows whether anything needs cleaning: almost
  // never, and the walk with a replacer is several times slower than the plain call
  const plain = JSON.stringify(value)
  if (plain === undefined || !ESCAPED_UNSTORABLE.test(plain)) return plain
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? clean(v) : v !== null && typeof v === 'object' && !Array.isArray(v) ? cleanKeys(v) : v))
}

/** What JSON.stringify makes of a NUL or a lone surrogate (a literal "\\u0000" text matches too: harmless, it is only cleaned). */
const ESCAPED_UNSTORABLE = /\\u(0000|d[89a-f][0-9a-f]{2})/i

/** The value exactly as jsonb will give it back: what evidence must hash to verify later. */
export function asStored<T>(value: T): T {
  return JSON.parse(storableJson(value)) as T
}

/** One query parameter as PostgreSQL can hold it; objects become JSON as pg would make them. */
export function storableParam(value: unknown): unknown {
  if (typeof value === 'string') return clean(value)
  if (Array.isArray(value)) return value.map(storableParam)
  if (value === null || typeof value !== 'object' || value instanceof Date || ArrayBuffer.isView(value)) return value
  if (typeof (value as { toPostgres?: unknown }).toPostgres === 'function') return value
  return storableJson(value)
}

type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown

/**
 * The pg client the pool hands out: every query's parameters are cleaned on the way in, so raw
 * SQL anywhere in the adapter (TypeORM passes parameters through untouched) stores what it can.
 */
export class StorableClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config)
    const query = this.query.bind(this) as QueryFn
    const wrapped: QueryFn = (config, values, callback) => {
      if (Array.isArray(values)) return query(config, values.map(storableParam), callback)
      const c = config as { values?: unknown; submit?: unknown } | null
      if (c !== null && typeof c === 'object' && Array.isArray(c.values)) {
        // a query object (or a stream) carries its own values: cleaned in place or on a copy
        if (typeof c.submit === 'function') c.values = c.values.map(storableParam)
        else return query({ ...c, values: c.values.map(storableParam) }, values, callback)
      }
      return query(config, values, callback)
    }
    this.query = wrapped as typeof this.query
  }
}
