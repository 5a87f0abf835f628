import { describe, expect, it } from 'vitest'
import { DueSweeper } from '../../src/app/due-sweeper.js'
import { testLogger } from '../support/test-env.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) await sleep(10)
}

/** A fake table of due times: sweep takes up to `limit` due ones, as the SQL does with SKIP LOCKED. */
function table(dueAt: number[]) {
  const pending = [...dueAt].sort((a, b) => a - b)
  const fired: number[] = []
  let running = 0
  let maxRunning = 0
  return {
    fired,
    get maxRunning() {
      return maxRunning
    },
    add: (t: number) => {
      pending.push(t)
      pending.sort((a, b) => a - b)
    },
    nextDue: async () => (pending.length > 0 ? new Date(pending[0]!) : null),
    dueIds: async () => [],
    sweepCase: async () => 0,
    sweep: async (limit: number) => {
      running++
      maxRunning = Math.max(maxRunning, running)
      const now = Date.now()
      let n = 0
      while (n < limit && pending.length > 0 && pending[0]! <= now) {
        fired.push(now - pending.shift()!)
        n++
      }
      await sleep(5) // the transaction's round trips
      running--
      return n
    },
  }
}

describe('DueSweeper', () => {
  it('wakes when the earliest timer falls due and fires it without waiting for the poll', async () => {
    const t = table([Date.now() + 150])
    const s = new DueSweeper({ nextDue: t.nextDue, sweep: t.sweep, dueIds: t.dueIds, sweepCase: t.sweepCase, now: Date.now, log: testLogger(), pollMs: 60_000 })
    s.start()
    await until(() => t.fired.length > 0)
    await s.stop()
    expect(t.fired).toHaveLength(1)
    // woken by its due time, not by the (one-minute) poll
    expect(t.fired[0]!).toBeLessThan(3000)
  })

  it('drains a backlog in lanes that run side by side, until a sweep comes back short', async () => {
    const now = Date.now()
    const t = table(Array.from({ length: 1050 }, (_, i) => now - 1000 + i % 100))
    const s = new DueSweeper({ nextDue: t.nextDue, sweep: t.sweep, dueIds: t.dueIds, sweepCase: t.sweepCase, now: Date.now, log: testLogger(), limit: 100, lanes: 2 })
    s.start()
    await until(() => t.fired.length === 1050)
    await s.stop()
    expect(t.fired).toHaveLength(1050)
    expect(t.maxRunning).toBe(2)
  })

  it('a kick makes it look again at once (a timer was scheduled sooner than it slept for)', async () => {
    const t = table([])
    const s = new DueSweeper({ nextDue: t.nextDue, sweep: t.sweep, dueIds: t.dueIds, sweepCase: t.sweepCase, now: Date.now, log: testLogger(), pollMs: 60_000 })
    s.start()
    await sleep(30)
    t.add(Date.now() - 1)
    s.kick()
    await until(() => t.fired.length > 0)
    expect(t.fired).toHaveLength(1)
    await s.stop()
  })

  it('timers that are due but held by other transactions are looked at again after a pause, not in a busy loop', async () => {
    let sweeps = 0
    const s = new DueSweeper({
      nextDue: async () => new Date(Date.now() - 1000),
      dueIds: async () => [],
      sweepCase: async () => 0,
      sweep: async () => {
        sweeps++
        await new Promise((r) => setImmediate(r)) // a round trip: a busy loop would still let timers run
        return 0 // every due case is locked elsewhere (SKIP LOCKED)
      },
      now: Date.now,
      log: testLogger(),
      lanes: 2,
      heldPauseMs: 100,
    })
    s.start()
    await sleep(350)
    await s.stop()
    // about four rounds of two lanes in 350 ms, not thousands
    expect(sweeps).toBeGreaterThanOrEqual(2)
    expect(sweeps).toBeLessThanOrEqual(12)
  })

  it('a case whose firing always fails is set aside after one careful pass; every other timer still fires by sweeps', async () => {
    const now = Date.now()
    // case 1 is the most overdue, so it is in every sweep; its firing throws
    const due = new Map(Array.from({ length: 250 }, (_, i) => [i + 1, now - 5000 + i] as const))
    const fired: number[] = []
    let badTries = 0
    let oneByOne = 0
    const held = new Set<number>() // rows a sweep in flight has locked (SKIP LOCKED for the others)
    const take = (limit: number, except: readonly number[]) =>
      [...due].filter(([id, at]) => at <= Date.now() && !except.includes(id) && !held.has(id)).sort((a, b) => a[1] - b[1]).slice(0, limit).map(([id]) => id)
    const fire = (id: number) => {
      if (id === 1) {
        badTries++
        throw new Error('invalid input syntax for type json')
      }
      due.delete(id)
      fired.push(id)
    }
    const s = new DueSweeper({
      nextDue: async (except) => {
        const ats = [...due].filter(([id]) => !except.includes(id)).map(([, at]) => at)
        return ats.length > 0 ? new Date(Math.min(...ats)) : null
      },
      sweep: async (limit, except) => {
        const ids = take(limit, except)
        ids.forEach((id) => held.add(id))
        try {
          await sleep(2)
          // one transaction: one bad case rolls the whole sweep back
          if (ids.includes(1)) fire(1)
          ids.forEach(fire)
          return ids.length
        } finally {
          ids.forEach((id) => held.delete(id))
        }
      },
      dueIds: async (limit, except) => take(limit, except),
      sweepCase: async (id) => {
        oneByOne++
        fire(id)
        return 1
      },
      now: Date.now,
      log: testLogger(),
      limit: 100,
      lanes: 2,
      pollMs: 20,
      setAsideMs: 60_000,
    })
    s.start()
    await until(() => fired.length === 249)
    await sleep(100)
    await s.stop()
    expect(fired.sort((a, b) => a - b)).toEqual(Array.from({ length: 249 }, (_, i) => i + 2))
    // tried in the failed sweep(s) and once alone, then left alone: no sweep fails on it again
    expect(badTries).toBeLessThanOrEqual(4)
    expect(oneByOne).toBeGreaterThan(0)
    expect(due.has(1)).toBe(true)
  })

  it('a sweep failing because the database is away sets nothing aside and fires nothing one by one', async () => {
    let dueIdsCalls = 0
    const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
    const s = new DueSweeper({
      nextDue: async () => new Date(Date.now() - 1000),
      sweep: async () => {
        throw outage
      },
      dueIds: async () => (dueIdsCalls++, []),
      sweepCase: async () => 0,
      isOutage: (err) => err === outage,
      now: Date.now,
      log: testLogger(),
      errorPauseMs: 40,
    })
    s.start()
    await sleep(120)
    await s.stop()
    expect(dueIdsCalls).toBe(0)
  })

  it('a failing look is logged and retried after a pause; stop ends the loop', async () => {
    let calls = 0
    const s = new DueSweeper({
      nextDue: async () => {
        calls++
        throw new Error('connection refused')
      },
      sweep: async () => 0,
      dueIds: async () => [],
      sweepCase: async () => 0,
      now: Date.now,
      log: testLogger(),
      errorPauseMs: 40,
    })
    s.start()
    await sleep(100)
    await s.stop()
    expect(calls).toBeGreaterThanOrEqual(2)
    expect(calls).toBeLessThanOrEqual(4)
  })
})
