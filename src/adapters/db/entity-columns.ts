import type { EntitySchema, EntitySchemaColumnOptions } from 'typeorm'
import { storableJson } from './storable.js'

/**
 * Mapping and multi-row SQL derived from an entity's metadata (core-entities.ts): the one place a
 * property meets its column. Raw SQL is kept where it earns its keep (one statement for many
 * rows); its column lists always come from here, never from a hand-written list.
 */

export interface Column<T> {
  prop: keyof T & string
  name: string
  type: string
  array: boolean
}

const cache = new WeakMap<object, Column<never>[]>()

/** Every column of the entity, in its declaration order. */
export function columnsOf<T>(entity: EntitySchema<T>): ReadonlyArray<Column<T>> {
  let cols = cache.get(entity) as Column<T>[] | undefined
  if (!cols) {
    cols = Object.entries(entity.options.columns).map(([prop, def]) => {
      const d = def as EntitySchemaColumnOptions
      return { prop: prop as keyof T & string, name: d.name ?? prop, type: String(d.type), array: d.array === true }
    })
    cache.set(entity, cols as Column<never>[])
  }
  return cols
}

export function tableOf(entity: EntitySchema<unknown>): string {
  const name = entity.options.tableName
  if (!name) throw new Error(`entity ${entity.options.name} has no table name`)
  return name
}

/** The entity's columns but these properties (e.g. a column only one reader owns). */
export function columnsExcept<T>(entity: EntitySchema<T>, props: ReadonlyArray<keyof T>): ReadonlyArray<Column<T>> {
  return columnsOf(entity).filter((c) => !props.includes(c.prop))
}

/** The entity's columns of these properties. */
export function columnsFor<T>(entity: EntitySchema<T>, props: ReadonlyArray<keyof T>): ReadonlyArray<Column<T>> {
  return columnsOf(entity).filter((c) => props.includes(c.prop))
}

/** A row as pg returns it, as the given columns' properties: bigint (ids, counters) become numbers, absent is null. */
export function fromRow<T>(cols: ReadonlyArray<Column<T>>, row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {}
  for (const c of cols) {
    const v = row[c.name]
    out[c.prop] = v === undefined || v === null ? null : c.type === 'bigint' ? (c.array ? (v as unknown[]).map(Number) : Number(v)) : v
  }
  return out as T
}

/** The columns some of the rows carry (a value other than undefined): what a write of them sets. */
export function carriedColumns<T>(entity: EntitySchema<T>, rows: ReadonlyArray<Partial<T>>): ReadonlyArray<Column<T>> {
  return columnsOf(entity).filter((c) => rows.some((r) => r[c.prop] !== undefined))
}

function rowsParam<T>(cols: ReadonlyArray<Column<T>>, rows: ReadonlyArray<Partial<T>>): string {
  return storableJson(rows.map((r) => Object.fromEntries(cols.map((c) => [c.name, r[c.prop] ?? null]))))
}

export interface BuiltSql {
  sql: string
  /** the jsonb parameter holding the rows */
  value: string
  /** the columns written, in order */
  columns: string[]
}

/**
 * One INSERT of many rows from one jsonb parameter (`param`, e.g. `$1`), in the order given (so
 * serial ids follow it). Writes every column some row carries; `tail` adds ON CONFLICT/RETURNING.
 */
export function insertRows<T>(entity: EntitySchema<T>, rows: ReadonlyArray<Partial<T>>, param: string, tail = ''): BuiltSql {
  const cols = carriedColumns(entity, rows)
  const table = tableOf(entity as EntitySchema<unknown>)
  const names = cols.map((c) => c.name)
  const sql = `INSERT INTO ${table} (${names.join(', ')})
     SELECT ${names.map((n) => `r.${n}`).join(', ')} FROM jsonb_populate_recordset(NULL::${table}, ${param}::jsonb) WITH ORDINALITY AS r
      ORDER BY r.ordinality ${tail}`
  return { sql, value: rowsParam(cols, rows), columns: names }
}

/**
 * One UPDATE of many rows by id from one jsonb parameter: sets every column some row carries
 * besides the id (give rows that patch the same fields together; a field left out is not rewritten).
 */
export function updateRows<T extends { id: number }>(entity: EntitySchema<T>, rows: ReadonlyArray<Partial<T>>, param: string): BuiltSql | null {
  const cols = carriedColumns(entity, rows).filter((c) => c.prop !== 'id')
  if (cols.length === 0) return null
  const table = tableOf(entity as EntitySchema<unknown>)
  const names = cols.map((c) => c.name)
  const sql = `UPDATE ${table} AS t SET ${names.map((n) => `${n} = r.${n}`).join(', ')}
     FROM jsonb_populate_recordset(NULL::${table}, ${param}::jsonb) AS r WHERE t.id = r.id`
  return { sql, value: rowsParam([...columnsFor(entity, ['id' as keyof T]), ...cols], rows), columns: names }
}

/** Groups rows by the set of fields they carry, so each group is one updateRows statement. */
export function bySameFields<T>(rows: ReadonlyArray<Partial<T>>): Array<Array<Partial<T>>> {
  const groups = new Map<string, Array<Partial<T>>>()
  for (const r of rows) {
    const key = (Object.keys(r) as Array<keyof T & string>)
      .filter((k) => r[k] !== undefined)
      .sort()
      .join(',')
    const g = groups.get(key)
    if (g) g.push(r)
    else groups.set(key, [r])
  }
  return [...groups.values()]
}
