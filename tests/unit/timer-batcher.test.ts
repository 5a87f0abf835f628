import { describe, expect, it } from 'vitest'
import type { TimerJob, TimerOutcome } from '../../src/app/fire-timer.js'
import { TimerBatcher } from '../../src/app/timer-batcher.js'
import { testLogger } from '../support/test-env.js'

const job = (caseId: number): TimerJob => ({ caseId, stateVersion: 1, attempt: 0 })
const outage = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })

describe('TimerBatcher', () => {
  it('fires a lone timer alone, gathers what arrives meanwhile into the next batch, one batch at a time', async () => {
    const batches: number[][] = []
    let inFlight = 0
    let maxInFlight = 0
    const track = async <T>(ids: number[], value: T): Promise<T> => {
      batches.push(ids)
      maxInFlight = Math.max(maxInFlight, ++inFlight)
      await new Promise((r) => setTimeout(r, 20))
      inFlight--
      return value
    }
    const batcher = new TimerBatcher({
      fireBatch: (jobs) =>
        track(
          jobs.map((j) => j.caseId),
          jobs.map((j): TimerOutcome => (j.caseId % 2 ? 'remind' : 'stale')),
        ),
      fireOne: (j) => track([j.caseId], 'escalate_owner' as const),
      isOutage: () => false,
      log: testLogger(),
      maxBatch: 4,
    })
    const first = batcher.fire(job(1))
    const rest = [2, 3, 4, 5, 6, 7].map((id) => batcher.fire(job(id)))
    expect(await Promise.all([first, ...rest])).toEqual(['escalate_owner', 'stale', 'remind', 'stale', 'remind', 'stale', 'remind'])
    expect(batches).toEqual([[1], [2, 3, 4, 5], [6, 7]])
    expect(maxInFlight).toBe(1)
  })

  it('a failed batch is fired one by one, each case in order: only the bad timer fails', async () => {
    const singles: string[] = []
    const batcher = new TimerBatcher({
      fireBatch: async () => {
        throw new Error('duplicate key value violates unique constraint')
      },
      fireOne: async (j) => {
        // the first timer of case 2 takes longest: its second must still wait for it
        await new Promise((r) => setTimeout(r, j.caseId === 2 && j.attempt === 0 ? 20 : 1))
        singles.push(`${j.caseId}/${j.attempt}`)
        if (j.caseId === 3) throw new Error('case 3 is broken')
        return 'remind'
      },
      isOutage: () => false,
      log: testLogger(),
    })
    await batcher.fire(job(1)) // alone: no batch
    const results = await Promise.allSettled([job(2), job(3), job(4), { ...job(2), attempt: 1 }].map((j) => batcher.fire(j)))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
    expect(singles.filter((s) => s.startsWith('2/'))).toEqual(['2/0', '2/1'])
    expect(singles.sort()).toEqual(['1/0', '2/0', '2/1', '3/0', '4/0'])
  })

  it('an outage fails the whole batch with the outage (each job goes back to the queue), without firing one by one', async () => {
    let singles = 0
    let batchCalls = 0
    const batcher = new TimerBatcher({
      fireBatch: async () => {
        batchCalls++
        throw outage()
      },
      fireOne: async () => {
        singles++
        await new Promise((r) => setTimeout(r, 10))
        return 'remind'
      },
      isOutage: (err) => (err as { code?: string }).code === 'ECONNREFUSED',
      log: testLogger(),
    })
    const lone = batcher.fire(job(1))
    const results = await Promise.allSettled([2, 3, 4].map((id) => batcher.fire(job(id))))
    expect(await lone).toBe('remind')
    expect(batchCalls).toBe(1)
    expect(singles).toBe(1) // only the lone first timer
    expect(results.every((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'ECONNREFUSED')).toBe(true)
  })
})
