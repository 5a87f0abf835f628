import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { expireDrafts, type ExpiryDeps } from '../../src/app/review/expire-drafts.js'
import { systemClock } from '../../src/app/ports.js'
import { SqlStore } from '../../src/adapters/db/sql-store.js'
import { sqlPendingDraftQueries } from '../../src/adapters/db/draft-queries.js'
import { buildServices } from '../../src/main/build-services.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { botSaid, sayAndSettle, sendsSettled } from '../support/groups.js'
import { testLogger } from '../support/test-env.js'

describe('draft expiry: pending drafts older than policy.draftExpiry are missed sends (real PostgreSQL)', () => {
  let h: SandboxHarness
  let deps: ExpiryDeps
  const draft = async (id: number) => (await h.runtime.ds.query(`SELECT * FROM drafts WHERE id = $1`, [id]))[0]
  const age = (id: number, hours: number) => h.runtime.ds.query(`UPDATE drafts SET created_at = now() - make_interval(hours => $2) WHERE id = $1`, [id, hours])
  const newPendingDraft = async (text: string) => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text })
    const d = (await h.runtime.ds.query(`SELECT * FROM drafts ORDER BY id DESC LIMIT 1`))[0]
    expect(d.status).toBe('pending')
    return Number(d.id)
  }

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.policy = { ...(tenant.policy as object), draftExpiry: '2h' }
    h = await startSandbox({ tenant })
    const { services, wording } = buildServices(tenant, h.runtime.directory)
    deps = { store: new SqlStore(h.runtime.ds), pending: sqlPendingDraftQueries(h.runtime.ds), directory: h.runtime.directory, services, wording, clock: systemClock, log: testLogger() }
  })
  afterAll(async () => {
    await h?.close()
  })

  it('an overdue draft cannot be approved, even before the sweep marks it; nothing reaches the customer', async () => {
    const id = await newPendingDraft('DD20261102007 麻烦让客户补一下发票照片')
    await age(id, 3)
    const before = botSaid(h, 'cust-zhao').length
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/approve ${id}` })
    await sendsSettled(h)
    expect(botSaid(h, 'internal').at(-1)).toMatch(new RegExp(`^草稿#${id} 已于 .+ 过期（超过 2小时 无人处理），未发送，也不能再通过。`))
    expect(botSaid(h, 'cust-zhao')).toHaveLength(before)
    expect((await draft(id)).status).toBe('pending')
    expect(await h.runtime.ds.query(`SELECT id FROM sends WHERE draft_id = $1`, [id])).toEqual([])
  })

  it('the sweep marks it expired once, records evidence and tells the team; a younger draft stays pending', async () => {
    const young = await newPendingDraft('DD20261101001 麻烦让客户拍一下空调安装位置的照片')
    await age(young, 1)
    const [old] = (await h.runtime.ds.query(`SELECT id, case_id FROM drafts WHERE status = 'pending' AND created_at < now() - interval '2 hours'`)) as { id: string; case_id: string }[]
    await expireDrafts(deps)
    const d = await draft(Number(old!.id))
    expect(d).toMatchObject({ status: 'expired', decided_by: 'baton' })
    expect(d.decided_at).not.toBeNull()
    expect((await draft(young)).status).toBe('pending')
    const [ev] = await h.runtime.ds.query(`SELECT payload FROM case_events WHERE case_id = $1 AND kind = 'draft_expired'`, [old!.case_id])
    expect(ev.payload).toMatchObject({ draftId: Number(old!.id), category: 'material_request', expiryMs: 2 * 3_600_000 })
    const [notice] = await h.runtime.ds.query(`SELECT text FROM sends WHERE kind = 'notice' AND text LIKE '⌛%' ORDER BY id DESC LIMIT 1`)
    expect(notice.text).toBe(`⌛ 草稿#${old!.id}｜案件#${old!.case_id}（赵女士） 超过 2小时 无人处理，已过期，未发送（记为漏发）。如仍需回复客户，请重新处理该案件。`)
    // a second sweep (or a sweep in another process) changes nothing
    expect(await expireDrafts(deps)).toEqual([])
    expect(await h.runtime.ds.query(`SELECT count(*)::int AS n FROM case_events WHERE kind = 'draft_expired'`)).toEqual([{ n: 1 }])
    // approving it later gets the same clear answer
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/approve ${old!.id}` })
    await sendsSettled(h)
    expect(botSaid(h, 'internal').at(-1)).toContain(`草稿#${old!.id} 已于`)
    expect(botSaid(h, 'internal').at(-1)).toContain('过期')
  })

  it('/stats shows the missed send and the new headline figures', async () => {
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '/stats 7d' })
    await sendsSettled(h)
    const reply = botSaid(h, 'internal').at(-1)!
    expect(reply).toContain('漏发（草稿过期）1')
    expect(reply).toMatch(/进度问题一次讲清 -；完成凭证不全 -/)
  })
})
