import type { DataSource, EntityManager } from 'typeorm'

/** Anything that can run a parameterised query: the data source or a transaction's manager. */
export type Queryable = Pick<DataSource | EntityManager, 'query'>

/** Runs `fn` in one transaction (READ COMMITTED), handing it the transaction's manager. */
export function inTransaction<T>(ds: DataSource, fn: (tx: EntityManager) => Promise<T>): Promise<T> {
  return ds.transaction(fn)
}
