import { describe, expect, it } from 'vitest'
import { OfflineAlerts, type Alert, type AlertChannel, type SessionHealth } from '../../src/app/offline-alerts.js'
import { testLogger } from '../support/test-env.js'

const t = (s: number) => new Date(Date.parse('2026-11-26T08:00:00Z') + s * 1000)

function channel(name: string, failFirst = 0): AlertChannel & { got: Alert[]; calls: number } {
  const c = {
    name,
    got: [] as Alert[],
    calls: 0,
    async send(a: Alert) {
      c.calls++
      if (c.calls <= failFirst) throw new Error('webhook down')
      c.got.push(a)
    },
  }
  return c
}

const alerts = (channels: AlertChannel[]) => new OfflineAlerts({ channels, log: testLogger(), alertAfterMs: 300_000, text: (event, v) => `${event}:${v.status}:${v.reason ?? '-'}:${v.resets}` })

const state = (status: string, since: number, extra: Partial<SessionHealth> = {}): SessionHealth => ({ status, since: t(since), lastError: null, resets: 0, ...extra })

describe('offline alerts', () => {
  it('stay quiet for a short outage', async () => {
    const c = channel('a')
    const a = alerts([c])
    await a.tick(state('reconnecting', 0), t(10))
    await a.tick(state('online', 120), t(120))
    expect(c.got).toEqual([])
  })

  it('alert once past the threshold, through every channel, and announce the recovery once', async () => {
    const [c1, c2] = [channel('a'), channel('b')]
    const a = alerts([c1, c2])
    await a.tick(state('silent', 0, { resets: 1 }), t(100))
    await a.tick(state('reconnecting', 200, { resets: 2, lastError: '14 UNAVAILABLE' }), t(299))
    await a.tick(state('reconnecting', 200, { resets: 3, lastError: '14 UNAVAILABLE' }), t(300))
    await a.tick(state('reconnecting', 200, { resets: 4 }), t(600))
    await a.tick(state('online', 700, { resets: 5 }), t(700))
    await a.tick(state('online', 700, { resets: 5 }), t(800))
    for (const c of [c1, c2]) {
      expect(c.got.map((x) => x.event)).toEqual(['offline', 'recovered'])
      // down since the first state that was not online, not since the last change
      expect(c.got[0]!.downSince).toEqual(t(0))
      expect(c.got[0]!.text).toBe('offline:reconnecting:14 UNAVAILABLE:2')
      expect(c.got[1]!.text).toBe('recovered:online:-:4')
    }
  })

  it('alert a token problem at once', async () => {
    const c = channel('a')
    await alerts([c]).tick(state('token_invalid', 0, { lastError: '16 UNAUTHENTICATED' }), t(1))
    expect(c.got.map((x) => x.event)).toEqual(['token_invalid'])
  })

  it('retry a channel that failed, without repeating the alert on the others', async () => {
    const ok = channel('ok')
    const flaky = channel('flaky', 2)
    const a = alerts([ok, flaky])
    await a.tick(state('reconnecting', 0), t(301))
    await a.tick(state('reconnecting', 0), t(305))
    await a.tick(state('reconnecting', 0), t(310))
    expect(ok.got).toHaveLength(1)
    expect(flaky.got).toHaveLength(1)
    expect(flaky.calls).toBe(3)
  })

  it('say nothing when Baton is stopped during an outage', async () => {
    const c = channel('a')
    const a = alerts([c])
    await a.tick(state('reconnecting', 0), t(400))
    await a.tick(state('stopped', 500), t(500))
    expect(c.got.map((x) => x.event)).toEqual(['offline'])
  })
})
