import type { DataSource, EntityManager } from 'typeorm'

/** Anything that can run a parameterised query: the data source or a transaction's manager. */
export type Queryable = Pick<DataSource | EntityManager, 'query'>
