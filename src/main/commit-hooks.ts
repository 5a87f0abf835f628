import type { TimerBatchStore } from '../app/fire-timers.js'
import type { BatchTx, CasePatch, Store, Tx } from '../app/store.js'

/** Case fields a timer job is derived from: changing one means the reconciler has work. */
const TIMER_FIELDS: ReadonlyArray<keyof CasePatch> = ['nextTimerAt', 'stateVersion', 'reminderCount', 'closedAt', 'state']

/**
 * A store that, after each commit, wakes the outbox relay only if the unit of work queued a send
 * and the timer reconciler only if it touched a timer. Most messages are recorded and decided
 * without either; waking both after every commit cost two extra queries per message (found by
 * the benchmark).
 */
export function storeWithCommitHooks(store: Store, hooks: { sendsQueued(): void; timersTouched(): void }): Store {
  return {
    transaction: async (fn) => {
      const touched = { sends: false, timers: false }
      const r = await store.transaction((tx) => fn(watch(tx, touched)))
      if (touched.sends) hooks.sendsQueued()
      if (touched.timers) hooks.timersTouched()
      return r
    },
    // a claim or a delivered send's result queues nothing and moves no timer
    claimSend: (id) => store.claimSend(id),
    ...(store.finishSendAlone ? { finishSendAlone: store.finishSendAlone.bind(store) } : {}),
    ...(store.batch
      ? {
          batch: async <T>(fn: (tx: BatchTx) => Promise<T>): Promise<T> => {
            const touched = { sends: false, timers: false }
            const r = await store.batch!((tx) => fn(watch(tx, touched)))
            if (touched.sends) hooks.sendsQueued()
            if (touched.timers) hooks.timersTouched()
            return r
          },
        }
      : {}),
  }
}

function watch<T extends Tx>(tx: T, touched: { sends: boolean; timers: boolean }): T {
  // every other method is the transaction's own (prototype chain keeps `this` working)
  const watched = Object.create(tx) as T
  watched.insertSend = (s, at) => {
    touched.sends = true
    return tx.insertSend(s, at)
  }
  watched.insertCase = (c) => {
    touched.timers = true
    return tx.insertCase(c)
  }
  watched.updateCase = (id, patch) => {
    if (TIMER_FIELDS.some((k) => patch[k] !== undefined)) touched.timers = true
    return tx.updateCase(id, patch)
  }
  return watched
}

/** The same hooks for batches of timers (the same batch transaction, watched the same way). */
export function timerBatchesWithCommitHooks(store: TimerBatchStore, hooks: { sendsQueued(): void; timersTouched(): void }): TimerBatchStore {
  return {
    transaction: async (fn) => {
      const touched = { sends: false, timers: false }
      const r = await store.transaction((tx) => fn(watch(tx, touched)))
      if (touched.sends) hooks.sendsQueued()
      if (touched.timers) hooks.timersTouched()
      return r
    },
  }
}
