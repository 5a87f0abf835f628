import { describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { growthSchema, loadGrowth } from '../../src/config/growth-schema.js'
import { ConfigError } from '../../src/config/format-issues.js'
import { loadTenant } from '../../src/config/load-tenant.js'
import { occurrencesBetween, parseCron, type CronSchedule } from '../../src/domain/growth/cron-schedule.js'
import { isOnTime, planOccurrences } from '../../src/domain/growth/sop-plan.js'
import { conditionHolds, delayMs, flowsTriggered, flowVersion, planStep, stepDueAt } from '../../src/domain/growth/flow-plan.js'
import type { FlowDefinition } from '../../src/domain/growth/growth-config.js'

const TZ = 'Asia/Shanghai'
const cron = (e: string): CronSchedule => {
  const r = parseCron(e)
  if (!r.ok) throw new Error(r.error)
  return r.schedule
}
/** an instant given as Shanghai wall-clock time */
const sh = (local: string): Date => new Date(`${local}+08:00`)
const iso = (ds: Date[]) => ds.map((d) => d.toISOString())

describe('cron-style schedule', () => {
  it('parses numbers, lists, ranges and steps, and refuses what is not a schedule', () => {
    const s = cron('*/15 8-18/5 1,15 * 1-5')
    expect([...s.minutes]).toEqual([0, 15, 30, 45])
    expect([...s.hours]).toEqual([8, 13, 18])
    expect([...s.days]).toEqual([1, 15])
    expect([...s.weekdays]).toEqual([1, 2, 3, 4, 5])
    expect([...cron('0 0 * * 7').weekdays]).toEqual([0])
    for (const bad of ['* * * *', '60 * * * *', '* 24 * * *', '* * 0 * *', '* * * 13 *', '* * * * 8', '*/0 * * * *', '5-1 * * * *', 'a * * * *', '1,,2 * * * *']) expect(parseCron(bad).ok, bad).toBe(false)
  })

  it('lists the instants in (after, until] in the tenant time zone', () => {
    expect(iso(occurrencesBetween(cron('0 9 * * *'), TZ, sh('2026-12-01T09:00:00'), sh('2026-12-03T09:00:00')))).toEqual([sh('2026-12-02T09:00:00').toISOString(), sh('2026-12-03T09:00:00').toISOString()])
    // 09:00 Shanghai is 01:00 UTC
    expect(occurrencesBetween(cron('0 9 * * *'), TZ, sh('2026-12-02T00:00:00'), sh('2026-12-02T23:59:00'))[0]!.toISOString()).toBe('2026-12-02T01:00:00.000Z')
    // Monday 10:00 only (2026-12-07 is a Monday)
    expect(iso(occurrencesBetween(cron('0 10 * * 1'), TZ, sh('2026-12-01T00:00:00'), sh('2026-12-14T23:00:00')))).toEqual([sh('2026-12-07T10:00:00').toISOString(), sh('2026-12-14T10:00:00').toISOString()])
    // both day fields restricted: either matches, as in cron (the 1st, or any Sunday)
    const days = occurrencesBetween(cron('0 12 1 * 0'), TZ, sh('2026-11-30T00:00:00'), sh('2026-12-14T00:00:00')).map((d) => d.toISOString().slice(0, 10))
    expect(days).toEqual(['2026-12-01', '2026-12-06', '2026-12-13'])
    expect(occurrencesBetween(cron('* * * * *'), TZ, sh('2026-12-01T00:00:00'), sh('2026-12-01T00:00:00'))).toEqual([])
    expect(occurrencesBetween(cron('* * * * *'), TZ, sh('2026-12-01T00:00:00'), sh('2026-12-02T00:00:00'), 10)).toHaveLength(10)
  })
})

describe('SOP occurrence planning', () => {
  const schedule = cron('0 10 * * *')
  const window = 2 * 3_600_000

  it('posts the one due within its window, once it is due, and records nothing before', () => {
    expect(planOccurrences({ schedule, timeZone: TZ, now: sh('2026-12-02T09:59:00'), windowMs: window, lastRecorded: sh('2026-12-01T10:00:00') })).toEqual([])
    expect(planOccurrences({ schedule, timeZone: TZ, now: sh('2026-12-02T10:00:30'), windowMs: window, lastRecorded: sh('2026-12-01T10:00:00') })).toEqual([{ dueAt: sh('2026-12-02T10:00:00'), action: 'post' }])
    // the same tick again: the row is recorded, so nothing more
    expect(planOccurrences({ schedule, timeZone: TZ, now: sh('2026-12-02T10:01:00'), windowMs: window, lastRecorded: sh('2026-12-02T10:00:00') })).toEqual([])
  })

  it('catches up within the window after a worker was down; past it the occurrence is missed', () => {
    expect(planOccurrences({ schedule, timeZone: TZ, now: sh('2026-12-02T11:30:00'), windowMs: window, lastRecorded: sh('2026-12-01T10:00:00') })).toEqual([{ dueAt: sh('2026-12-02T10:00:00'), action: 'post' }])
    expect(planOccurrences({ schedule, timeZone: TZ, now: sh('2026-12-02T12:30:00'), windowMs: window, lastRecorded: sh('2026-12-01T10:00:00') })).toEqual([
      { dueAt: sh('2026-12-02T10:00:00'), action: 'missed' },
    ])
    // three days down: the two old ones missed, today's posted
    expect(planOccurrences({ schedule, timeZone: TZ, now: sh('2026-12-04T10:05:00'), windowMs: window, lastRecorded: sh('2026-12-01T10:00:00') }).map((p) => p.action)).toEqual(['missed', 'missed', 'post'])
  })

  it('a frequent item down a while: only the newest within the window is posted', () => {
    const plan = planOccurrences({ schedule: cron('*/10 * * * *'), timeZone: TZ, now: sh('2026-12-02T10:25:00'), windowMs: 20 * 60_000, lastRecorded: sh('2026-12-02T09:50:00') })
    expect(plan.map((p) => [p.dueAt.toISOString(), p.action])).toEqual([
      [sh('2026-12-02T10:00:00').toISOString(), 'missed'],
      [sh('2026-12-02T10:10:00').toISOString(), 'missed'],
      [sh('2026-12-02T10:20:00').toISOString(), 'post'],
    ])
  })

  it('the first tick of an item looks back its window only; at most a week back otherwise', () => {
    expect(planOccurrences({ schedule, timeZone: TZ, now: sh('2026-12-02T10:30:00'), windowMs: window, lastRecorded: null })).toEqual([{ dueAt: sh('2026-12-02T10:00:00'), action: 'post' }])
    expect(planOccurrences({ schedule, timeZone: TZ, now: sh('2026-12-02T13:00:00'), windowMs: window, lastRecorded: null })).toEqual([])
    expect(planOccurrences({ schedule, timeZone: TZ, now: sh('2026-12-30T09:00:00'), windowMs: window, lastRecorded: sh('2026-12-01T10:00:00') })).toHaveLength(7)
  })

  it('on time means queued within the grace of its due time', () => {
    expect(isOnTime(sh('2026-12-02T10:00:00'), sh('2026-12-02T10:04:59'), 5 * 60_000)).toBe(true)
    expect(isOnTime(sh('2026-12-02T10:00:00'), sh('2026-12-02T10:05:01'), 5 * 60_000)).toBe(false)
  })
})

describe('flow step planning', () => {
  const cfg = growthSchema.parse({
    dimensions: [
      { key: 'lifecycle', name: '生命周期', exclusive: true, stage: true },
      { key: 'value', name: '价值' },
    ],
    tags: [
      { name: '新客', dimension: 'lifecycle' },
      { name: 'VIP', dimension: 'value' },
    ],
    groupTypes: [{ key: 'club', name: '俱乐部', groups: ['members'] }],
    flows: [
      {
        key: 'welcome',
        name: '欢迎',
        trigger: { event: 'joined_group', groupType: 'club' },
        exitOnReply: true,
        steps: [
          { delay: '10m', action: { kind: 'task', text: '打招呼' } },
          { delay: '1d', when: { notReplied: true }, action: { kind: 'send', text: '你好{name}' } },
        ],
      },
      { key: 'vip', name: 'VIP', trigger: { event: 'tag_added', tag: 'VIP' }, steps: [{ action: { kind: 'add_tag', tag: '新客' } }] },
      { key: 'new', name: '新客', trigger: { event: 'stage_set', stage: '新客' }, steps: [{ when: { hasTag: 'VIP' }, action: { kind: 'remove_tag', tag: 'VIP' } }] },
    ],
  })
  const [welcome, vip] = cfg.flows as [FlowDefinition, FlowDefinition, FlowDefinition]

  it('matches triggers: joined a typed group, a tag added, a stage set', () => {
    const keys = (e: Parameters<typeof flowsTriggered>[1]) => flowsTriggered(cfg, e).map((f) => f.key)
    expect(keys({ kind: 'joined_group', groupKey: 'members', detail: {} })).toEqual(['welcome'])
    expect(keys({ kind: 'joined_group', groupKey: 'cust-zhao', detail: {} })).toEqual([])
    expect(keys({ kind: 'tag_added', groupKey: null, detail: { tag: 'VIP', dimension: 'value' } })).toEqual(['vip'])
    expect(keys({ kind: 'tag_added', groupKey: null, detail: { tag: '新客', dimension: 'lifecycle' } })).toEqual(['new'])
    expect(keys({ kind: 'message', groupKey: 'members', detail: {} })).toEqual([])
  })

  it('a step is due its delay after the previous one; past the last there is none', () => {
    const t = new Date('2026-12-02T00:00:00Z')
    expect(stepDueAt(welcome, 0, t)!.toISOString()).toBe('2026-12-02T00:10:00.000Z')
    expect(stepDueAt(welcome, 1, t)!.toISOString()).toBe('2026-12-03T00:00:00.000Z')
    expect(stepDueAt(welcome, 2, t)).toBeNull()
    expect(stepDueAt(vip, 0, t)).toEqual(t)
    expect(delayMs('0')).toBe(0)
    expect(delayMs('soon')).toBeNull()
  })

  it('a reply ends a flow that exits on reply; a condition that fails skips the step', () => {
    expect(planStep(welcome, 1, { tags: [], replied: true })).toEqual({ kind: 'exit', reason: 'replied' })
    expect(planStep(welcome, 1, { tags: [], replied: false })).toEqual({ kind: 'act' })
    expect(planStep(cfg.flows[2]!, 0, { tags: [], replied: false })).toEqual({ kind: 'skip' })
    expect(conditionHolds({ notTag: 'VIP' }, { tags: ['VIP'], replied: false })).toBe(false)
    expect(conditionHolds({ notReplied: true }, { tags: [], replied: true })).toBe(false)
  })

  it('the version is the hash of the definition: any edit is a new version', () => {
    expect(flowVersion(welcome)).toMatch(/^[0-9a-f]{16}$/)
    expect(flowVersion(structuredClone(welcome))).toBe(flowVersion(welcome))
    expect(flowVersion({ ...welcome, steps: [{ ...welcome.steps[0]!, delay: '11m' }, welcome.steps[1]!] })).not.toBe(flowVersion(welcome))
  })
})

describe('growth.yaml: SOP items and flows', () => {
  const tenant = loadTenant('config/sandbox.yaml')
  const write = (yaml: string) => {
    const p = join(mkdtempSync(join(tmpdir(), 'growth-')), 'growth.yaml')
    writeFileSync(p, yaml)
    return p
  }

  it("the sandbox's calendar and flow load", () => {
    const g = loadGrowth('config/growth.yaml', tenant)
    expect(g.groupTypes.find((t) => t.key === 'community')!.sop.map((i) => i.key)).toEqual(['tip-of-the-moment'])
    expect(g.flows.map((f) => f.key)).toEqual(['new-member-activation'])
  })

  it('a bad schedule, a missing text, an unknown tag or group type is named with its path', () => {
    const p = write(`
dimensions: [{ key: v, name: 值 }]
tags: [{ name: VIP, dimension: v }]
groupTypes:
  - key: club
    name: 俱乐部
    groups: [members]
    sop:
      - { key: a, schedule: "61 * * * *", text: 你好 }
      - { key: b, schedule: "0 9 * * *" }
flows:
  - { key: f, name: 流程, trigger: { event: tag_added, tag: 金卡 }, steps: [{ delay: 1m, action: { kind: add_tag, tag: 银卡 } }] }
  - { key: g, name: 流程, trigger: { event: joined_group, groupType: nope }, steps: [{ delay: later, action: { kind: task, text: 做 } }] }
`)
    let err: unknown
    try {
      loadGrowth(p, tenant)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    const msg = (err as Error).message
    expect(msg).toContain('groupTypes[0].sop[0].schedule — bad minute field "61"')
    expect(msg).toContain('groupTypes[0].sop[1] — expected exactly one of text or knowledge')
    expect(msg).toContain('flows[1].steps[0].delay')
    const p2 = write(`
dimensions: [{ key: v, name: 值 }]
tags: [{ name: VIP, dimension: v }]
groupTypes: [{ key: club, name: 俱乐部, groups: [members] }]
flows:
  - { key: f, name: 流程, trigger: { event: tag_added, tag: 金卡 }, steps: [{ delay: 1m, action: { kind: add_tag, tag: 银卡 } }] }
  - { key: g, name: 流程, trigger: { event: joined_group, groupType: nope }, steps: [{ action: { kind: task, text: 做 } }] }
`)
    expect(() => loadGrowth(p2, tenant)).toThrow(/flows\[0\]\.trigger\.tag[\s\S]*flows\[0\]\.steps\[0\]\.action\.tag[\s\S]*flows\[1\]\.trigger\.groupType/)
  })
})
