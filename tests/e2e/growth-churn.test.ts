import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { sweepChurnScores } from '../../src/app/growth/sweep-churn-scores.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { sayAndSettle, seen, sendsSettled } from '../support/groups.js'
import { eventually } from '../support/test-env.js'

const DAY = 86_400_000

describe('churn early warning through the mock tenant: one task with its reasons in the internal group, closed by a person', () => {
  let h: SandboxHarness
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => h.runtime.ds.query(sql, params)

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.outbound = { ...tenant.outbound, perGroupPerMinute: 1000 }
    tenant.policy = { ...(tenant.policy as object), quietHours: { start: '00:00', end: '00:00' } } as typeof tenant.policy
    h = await startSandbox({ tenant })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('a customer who complained on a case and left the service group gets one task; /churn close records the outcome', async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261101001 麻烦让客户上传一下空调安装位置的照片' })
    await sayAndSettle(h, { as: '张先生', group: 'cust-zhang', text: '拖了一个礼拜还没装好，我要投诉你们' })
    await h.runtime.contactActivity!.settle()
    // counted before the leave: the sandbox's one-minute churn sweep (churn.sweepEvery) may open the
    // task as soon as they left; that notice is the one notice too
    const before = seen(h, 'internal').length
    h.runtime.sandbox!.leave('cust-zhang', '张先生')
    await eventually(async () => (await q(`SELECT 1 FROM contact_events WHERE kind = 'left_group'`)).length === 1)
    await sendsSettled(h)

    // two nights (and a doubled job) later: one task, one notice
    const night = { ...h.runtime.churn!, clock: { now: () => new Date(Date.now() + DAY) } }
    await Promise.all([sweepChurnScores(night), sweepChurnScores(night)])
    await sweepChurnScores({ ...night, clock: { now: () => new Date(Date.now() + 2 * DAY) } })
    await sendsSettled(h)
    const tasks = await q<{ id: string; reasons: Array<{ code: string }> }>(`SELECT t.id, t.reasons FROM churn_tasks t JOIN contacts c ON c.id = t.contact_id WHERE c.wecom_id = 'wx-zhang'`)
    expect(tasks).toHaveLength(1)
    const id = tasks[0]!.id
    expect(tasks[0]!.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['left_group', 'complaint']))
    const notices = seen(h, 'internal')
      .slice(before)
      .filter((t) => t.includes('流失预警'))
    expect(notices).toHaveLength(1)
    expect(notices[0]).toContain(`流失预警 #${id}：客户张先生`)
    expect(notices[0]).toContain('近期有 1 条投诉')
    expect(notices[0]).toMatch(/退出了「[^」]+」/)
    expect(notices[0]).toContain(`/churn close ${id}`)

    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/churn close ${id} 误报` })
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toBe(`✅ 已关闭流失预警 #${id}（客户张先生）：误报。`)
    const [closed] = await q<{ outcome: string; closed_by: string }>(`SELECT outcome, closed_by FROM churn_tasks WHERE id = $1`, [id])
    expect(closed).toEqual({ outcome: 'no_risk', closed_by: 'wx-handler-wang' })
    const audit = await q<{ kind: string; actor: string }>(`SELECT kind, actor FROM churn_task_events WHERE task_id = $1 ORDER BY id`, [id])
    expect(audit).toEqual([
      { kind: 'opened', actor: 'churn-score' },
      { kind: 'closed', actor: 'wx-handler-wang' },
    ])
    // a second close changes nothing and says who closed it; a bad outcome gets the choices
    await sayAndSettle(h, { as: 'wx-handler-chen', group: 'internal', text: `/churn close ${id} 挽回` })
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toMatch(new RegExp(`^流失预警 #${id} 已由.+关闭（误报）`))
    await sayAndSettle(h, { as: 'wx-handler-chen', group: 'internal', text: `/churn close ${id} 也许` })
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toBe('结果只能是：挽回、流失、误报')
    await sayAndSettle(h, { as: 'wx-handler-chen', group: 'internal', text: '/churn' })
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toBe('目前没有未关闭的流失预警。')
    expect((await q<{ outcome: string }>(`SELECT outcome FROM churn_tasks WHERE id = $1`, [id]))[0]!.outcome).toBe('no_risk')
  })
})
