import { EventEmitter } from 'node:events'
import type { Wechaty } from 'wechaty'
import { afterEach, describe, expect, it } from 'vitest'
import { ConnectionWatchdog } from '../../src/adapters/wecom/connection-watchdog.js'
import { testLogger } from '../support/test-env.js'

/** A stand-in Wechaty: just the events and puppet controls the watchdog uses. */
class FakeBot extends EventEmitter {
  isLoggedIn = true
  active: boolean | 'pending' = true
  calls: string[] = []
  dings = 0
  puppet = {
    state: { active: () => this.active, inactive: () => (this.active === true ? false : true) },
    reset: async () => {
      this.calls.push('reset')
    },
    stop: async () => {
      this.calls.push('stop')
      this.active = false
    },
    start: async () => {
      this.calls.push('start')
      this.active = true
    },
    ding: () => {
      this.dings++
    },
  }
}

describe('the connection watchdog', () => {
  let now = Date.parse('2026-11-26T08:00:00Z')
  const clock = () => new Date(now)
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))
  const dogs: ConnectionWatchdog[] = []
  const make = (bot: FakeBot, opts: Partial<ConstructorParameters<typeof ConnectionWatchdog>[2]> = {}) => {
    const w = new ConnectionWatchdog(bot as unknown as Wechaty, testLogger(), { silentAfterMs: 60_000, checkEveryMs: 3_600_000, backoffMs: 10, backoffMaxMs: 40, ...opts }, clock)
    dogs.push(w)
    w.start()
    return w
  }
  afterEach(async () => {
    for (const d of dogs.splice(0)) await d.stop()
  })

  it('pings a quiet puppet before calling it silent, and a dong keeps it online', async () => {
    const bot = new FakeBot()
    const w = make(bot)
    now += 31_000
    w.check()
    expect(bot.dings).toBe(1)
    bot.emit('dong', 'baton-watchdog')
    now += 40_000
    w.check()
    expect(w.state.status).toBe('online')
    expect(bot.calls).toEqual([])
  })

  it("keeps a quiet connection fed: a ding every 25 s of quiet, before wechaty-puppet's own 60 s watchdog resets it", async () => {
    const bot = new FakeBot()
    const w = make(bot, { silentAfterMs: 180_000 })
    now += 20_000
    w.check()
    expect(bot.dings).toBe(0)
    now += 6_000
    w.check()
    expect(bot.dings).toBe(1)
    bot.emit('dong', 'baton-watchdog')
    now += 26_000
    w.check()
    expect(bot.dings).toBe(2)
    now += 26_000
    w.check()
    expect(bot.dings).toBe(3)
    expect(w.state.status).toBe('online')
    expect(bot.calls).toEqual([])
  })

  it('resets a puppet silent past the threshold, and is online again on the next sign of life', async () => {
    const bot = new FakeBot()
    const w = make(bot)
    now += 61_000
    w.check()
    expect(w.state.status).toBe('silent')
    await wait(30)
    expect(bot.calls).toEqual(['reset'])
    bot.emit('heartbeat', { data: 'x' })
    expect(w.state.status).toBe('online')
  })

  it('resets at once on 14 UNAVAILABLE, and a burst of errors gives one reset', async () => {
    const bot = new FakeBot()
    const w = make(bot)
    for (let i = 0; i < 5; i++) bot.emit('error', new Error('14 UNAVAILABLE: Connection dropped'))
    bot.emit('error', new Error('1 CANCELLED: Cancelled on client'))
    await wait(30)
    expect(w.state.status).toBe('reconnecting')
    expect(bot.calls).toEqual(['reset'])
  })

  it('restarts a stopped puppet and backs off between resets that do not help', async () => {
    const bot = new FakeBot()
    bot.puppet.start = async () => {
      bot.calls.push('start')
      throw new Error('14 UNAVAILABLE: No connection established')
    }
    const w = make(bot, { backoffMs: 100, backoffMaxMs: 400 })
    bot.active = false
    const started = Date.now()
    const times: number[] = []
    const origStart = bot.puppet.start
    bot.puppet.start = async () => {
      times.push(Date.now() - started)
      return origStart()
    }
    // real time drives the backoff timers; the fake clock follows
    for (let i = 0; i < 40 && times.length < 3; i++) {
      now = Date.parse('2026-11-26T08:00:00Z') + (Date.now() - started)
      w.check()
      await wait(25)
    }
    expect(times.length).toBeGreaterThanOrEqual(3)
    // 100 ms after the first, then 200 ms: each reset that fails doubles the wait
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(90)
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(190)
    expect(w.state.failedResets).toBeGreaterThanOrEqual(3)
  })

  it('a token problem is reported as such and not reset in a loop', async () => {
    const bot = new FakeBot()
    const w = make(bot)
    bot.emit('error', new Error('16 UNAUTHENTICATED: Invalid Wechaty TOKEN "insecure_abc"'))
    now += 10 * 60_000
    w.check()
    await wait(30)
    expect(w.state.status).toBe('token_invalid')
    expect(w.state.lastError).not.toContain('insecure_abc')
    expect(bot.calls).toEqual([])
    bot.emit('login', { id: 'wx-baton' })
    expect(w.state.status).toBe('online')
  })

  it('a gRPC status error without a message is reported by its code and details, not as [object Object]', () => {
    const bot = new FakeBot()
    const w = make(bot)
    bot.emit('error', { code: 14, details: 'Connection dropped' })
    expect(w.state.lastError).toBe('14 Connection dropped')
    expect(w.state.lastErrorKind).toBe('unavailable')
  })
})
