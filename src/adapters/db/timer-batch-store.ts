import type { DataSource } from 'typeorm'
import type { TimerBatchStore } from '../../app/fire-timers.js'
import type { BatchTx } from '../../app/store.js'
import { SqlStore } from './sql-store.js'

/** Timer batches, each in its own PostgreSQL transaction: the batch unit of work (batch-tx.ts). */
export class SqlTimerBatchStore implements TimerBatchStore {
  private readonly store: SqlStore
  constructor(ds: DataSource) {
    this.store = new SqlStore(ds)
  }
  transaction<T>(fn: (tx: BatchTx) => Promise<T>): Promise<T> {
    return this.store.batch(fn)
  }
}
