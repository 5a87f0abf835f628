import { describe, expect, it } from 'vitest'
import { FANOUT, fanoutFor, summaryKey, summaryNotBefore } from '../../src/domain/resilience/notice-fanout.js'
import { SendPacer } from '../../src/adapters/queue/send-pacer.js'
import { noticeAbout } from '../../src/app/team-notices.js'

describe('notice fan-out limits', () => {
  const none = { sender: false, group: false }
  it.each([
    { told: { sender: 0, group: 0 }, waiting: none, inGroup: true, want: { kind: 'tell' } },
    { told: { sender: FANOUT.perSender - 1, group: 0 }, waiting: none, inGroup: true, want: { kind: 'tell' } },
    { told: { sender: FANOUT.perSender, group: FANOUT.perSender }, waiting: none, inGroup: true, want: { kind: 'fold', into: 'sender' } },
    // many people in one group: the group's summary, though no one of them is over the limit
    { told: { sender: 1, group: FANOUT.perGroup }, waiting: none, inGroup: true, want: { kind: 'fold', into: 'group' } },
    // a summary still waiting takes what comes, so nothing is said around it
    { told: { sender: 0, group: 0 }, waiting: { sender: true, group: false }, inGroup: true, want: { kind: 'fold', into: 'sender' } },
    { told: { sender: 0, group: 0 }, waiting: { sender: false, group: true }, inGroup: true, want: { kind: 'fold', into: 'group' } },
    // a direct chat has no group to count
    { told: { sender: 1, group: 99 }, waiting: none, inGroup: false, want: { kind: 'tell' } },
  ])('$told $waiting in group $inGroup → $want', ({ told, waiting, inGroup, want }) => {
    expect(fanoutFor(told, waiting, inGroup)).toEqual(want)
  })

  it("limits the customer side only: staff and partners are the team's own people", () => {
    const msg = { groupKey: 'cust-zhang', talkerId: 'wx-x' }
    for (const role of ['customer_contact', 'executor', 'unknown'] as const) expect(noticeAbout({ ...msg, talkerRole: role })).toEqual(msg)
    for (const role of ['partner', 'handler', 'supervisor', 'bot'] as const) expect(noticeAbout({ ...msg, talkerRole: role })).toBeNull()
  })

  it('keys one summary per sender in a group, one per group', () => {
    expect(summaryKey({ groupKey: 'cust-zhang', talkerId: 'wx-zhang' }, 'sender')).toBe('sender:cust-zhang:wx-zhang')
    expect(summaryKey({ groupKey: 'cust-zhang', talkerId: 'wx-zhang' }, 'group')).toBe('group:cust-zhang')
    expect(summaryKey({ groupKey: null, talkerId: 'wx-zhang' }, 'group')).toBe('sender:-:wx-zhang')
  })

  it('a new summary waits the fold delay, and a window after the last one', () => {
    const now = new Date('2026-01-01T10:00:00Z')
    expect(summaryNotBefore(now, null).getTime()).toBe(now.getTime() + FANOUT.foldDelayMs)
    expect(summaryNotBefore(now, { createdAt: new Date(now.getTime() - 10_000) }).getTime()).toBe(now.getTime() - 10_000 + FANOUT.windowMs)
  })
})

describe('send pacer', () => {
  it('holds back only the group over its limit, each held send at its own slot, in order', () => {
    const p = new SendPacer({ perGroupPerMinute: 2, perAccountPerMinute: 100, windowMs: 1000 })
    expect(p.check('internal', 1, 0)).toEqual({ go: true })
    expect(p.check('internal', 2, 10)).toEqual({ go: true })
    expect(p.check('internal', 3, 20)).toEqual({ go: false, scope: 'group', until: 1000 })
    expect(p.check('internal', 4, 30)).toEqual({ go: false, scope: 'group', until: 1010 })
    expect(p.check('internal', 5, 40)).toEqual({ go: false, scope: 'group', until: 2000 })
    expect(p.check('cust-zhao', 6, 50)).toEqual({ go: true })
    // 4 back before 3 (the worker was busy): it waits for 3 instead of overtaking it
    const v = p.check('internal', 4, 1005)
    expect(v.go).toBe(false)
    expect(p.check('internal', 3, 1006)).toEqual({ go: true })
    expect(p.check('internal', 4, 1020)).toEqual({ go: true })
    expect(p.heldCount('internal')).toBe(1)
  })

  it('the account over its limit holds back everything, for as long as its window needs', () => {
    const p = new SendPacer({ perGroupPerMinute: 100, perAccountPerMinute: 2, windowMs: 1000 })
    p.check('a', 1, 0)
    p.check('b', 2, 100)
    expect(p.check('c', 3, 200)).toEqual({ go: false, scope: 'account', waitMs: 800 })
    expect(p.check('c', 3, 1000)).toEqual({ go: true })
  })
})
