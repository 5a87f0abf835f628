import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { PostgresStart } from '../../src/main/postgres-start.js'
import { eventually } from '../support/test-env.js'

const outage = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
const isOutage = (err: unknown) => (err as { code?: string }).code === 'ECONNREFUSED'

function setup(script: { coreFailures?: number; stepFailures?: number; stepError?: () => Error } = {}) {
  const ran: string[] = []
  let coreFailures = script.coreFailures ?? 0
  let stepFailures = script.stepFailures ?? 0
  let afterAll = 0
  const start = new PostgresStart(
    async () => {
      ran.push('core')
      if (coreFailures-- > 0) throw outage()
    },
    { log: pino({ level: 'silent' }), isOutage, retryMs: 1, retryMaxMs: 2, afterAll: () => void afterAll++ },
  )
  start.add(async () => void ran.push('first'))
  start.add(async () => {
    ran.push('second')
    if (stepFailures-- > 0) throw (script.stepError ?? outage)()
  })
  start.add(async () => void ran.push('third'))
  return { start, ran, afterAll: () => afterAll }
}

describe('PostgresStart', () => {
  it('runs the core, then the steps in order, once each, resuming after an outage where it stopped', async () => {
    const { start, ran, afterAll } = setup({ coreFailures: 1, stepFailures: 2 })
    let answer!: () => void
    start.whenAnswered(new Promise<void>((r) => (answer = r)))
    expect(ran).toEqual([])
    expect(start.started).toBe(false)
    answer()
    await eventually(() => afterAll() === 1)
    expect(ran).toEqual(['core', 'core', 'first', 'second', 'second', 'second', 'third'])
    expect(start.started).toBe(true)
  })

  it('a failure that is not an outage stops there (logged, degraded) instead of retrying', async () => {
    const { start, ran, afterAll } = setup({ stepFailures: 5, stepError: () => new Error('migration 17 is broken') })
    start.whenAnswered(Promise.resolve())
    await eventually(() => ran.includes('second'))
    await start.halt()
    expect(ran).toEqual(['core', 'first', 'second'])
    expect(afterAll()).toBe(0)
  })

  it('a wait that ends without an answer (aborted at stop) runs nothing, and halt returns', async () => {
    const { start, ran } = setup()
    let abort!: (err: Error) => void
    start.whenAnswered(new Promise<void>((_, reject) => (abort = reject)))
    abort(new Error('stopping'))
    await start.halt()
    expect(ran).toEqual([])
    expect(start.started).toBe(false)
  })
})
