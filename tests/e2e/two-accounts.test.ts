import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Tenant } from '../../src/config/load-tenant.js'
import { startBaton, type Role, type Runtime } from '../../src/main/runtime.js'
import { startMockGateway, type MockGateway } from '../support/mock-gateway.js'
import { twoAccountTenant } from '../support/two-accounts.js'
import { dropSchema, eventually, testEnv, testLogger, uniqueName } from '../support/test-env.js'

const PARTNER_TEXT = '订单DD20261102007，麻烦让客户补一下发票照片'

/** Two accounts (tests/support/two-accounts.ts); a waiting customer is reminded once, a few seconds in. */
function tenantForTheLoop(): Tenant {
  return twoAccountTenant((doc) => {
    const wait = { dueIn: '30m', firstReminderAfter: '8s', remindEvery: '1h', remindersBeforeEscalation: 3, escalation: ['owner', 'supervisor'] }
    doc['policy'] = {
      ...doc['policy'],
      quietHours: { start: '00:00', end: '00:00' },
      waits: { waiting_customer_material: wait, waiting_contact_coordination: wait, waiting_executor: wait, waiting_partner: wait },
    }
    doc['outbound'] = { perGroupPerMinute: 1000, perAccountPerMinute: 1000 }
  })
}

describe('two WeCom accounts in one tenant: two gateways, two bots, two workers, one database and Redis', () => {
  const tenant = tenantForTheLoop()
  const shared = testEnv()
  const log = testLogger()
  const gateways: Record<'a' | 'b', MockGateway | undefined> = { a: undefined, b: undefined }
  const runtimes: Runtime[] = []
  let botA: Runtime
  let botB: Runtime
  let worker1: Runtime

  /** A process of its own: the shared schema and queue prefix, its own spool, one account's gateway. */
  const start = async (roles: Role[], gateway: MockGateway, account?: string): Promise<Runtime> => {
    const env = testEnv({
      ...gateway.env,
      DATABASE_SCHEMA: shared.DATABASE_SCHEMA,
      BATON_QUEUE_PREFIX: shared.BATON_QUEUE_PREFIX,
      BATON_DATA_DIR: join(tmpdir(), uniqueName('baton-data')),
      ...(account ? { BATON_ACCOUNT: account } : {}),
    })
    const runtime = await startBaton({ env, tenant, roles, log })
    runtimes.push(runtime)
    return runtime
  }
  const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await botA.ds.query(sql, params)) as T[]
  const lines = (account: 'a' | 'b', group: string) => gateways[account]!.tenant.transcript(group)
  const botLines = (account: 'a' | 'b', group: string) =>
    lines(account, group)
      .filter((l) => l.talkerId === `wx-baton-${account}`)
      .map((l) => l.text)
  const settled = () =>
    eventually(async () => (await q<{ n: number }>(`SELECT count(*)::int AS n FROM sends WHERE status IN ('queued','sending') AND (not_before IS NULL OR not_before <= now())`))[0]!.n === 0, {
      timeoutMs: 20_000,
    })
  /** Someone says something in a group both accounts sit in: each account's puppet hears it, with WeCom's one time stamp. */
  const sayToBoth = (input: { as: string; group: string; text: string }) => {
    const at = new Date()
    gateways.a!.tenant.say({ ...input, at })
    gateways.b!.tenant.say({ ...input, at })
  }

  beforeAll(async () => {
    gateways.a = await startMockGateway(tenant, 'a')
    gateways.b = await startMockGateway(tenant, 'b')
    // one at a time: the first migrates the shared schema
    worker1 = await start(['worker'], gateways.a)
    await start(['worker'], gateways.a)
    botA = await start(['bot'], gateways.a, 'a')
    botB = await start(['bot'], gateways.b, 'b')
    await eventually(() => botA.session!.ready && botB.session!.ready, { timeoutMs: 30_000 })
  }, 120_000)

  afterAll(async () => {
    for (const r of runtimes.reverse()) await r.stop().catch(() => undefined)
    await gateways.a?.stop()
    await gateways.b?.stop()
    await dropSchema(shared.DATABASE_SCHEMA)
  }, 60_000)

  it('each bot serves its own account, logged in as that account', () => {
    expect(botA.account?.key).toBe('a')
    expect(botB.account?.key).toBe('b')
    expect(botA.session!.state.userId).toBe('wx-baton-a')
    expect(botB.session!.state.userId).toBe('wx-baton-b')
  })

  it('a partner request on account B → a review notice in the internal group, once', async () => {
    gateways.b!.tenant.say({ as: '李师傅', group: 'partner-anxin', text: PARTNER_TEXT })
    const draft = await eventually(async () => (await q<{ id: string }>(`SELECT id FROM drafts WHERE status = 'pending'`))[0], { timeoutMs: 20_000 })
    await settled()
    const recorded = await q<{ group_key: string }>(`SELECT group_key FROM messages WHERE text = $1`, [PARTNER_TEXT])
    expect(recorded).toEqual([{ group_key: 'partner-anxin' }])
    const notices = [...botLines('a', 'internal'), ...botLines('b', 'internal')].filter((t) => t.includes(`/approve ${draft.id}`))
    expect(notices).toHaveLength(1)
  })

  it('/approve heard by both accounts is recorded and decided once; the draft leaves through account A, once', async () => {
    const [draft] = await q<{ id: string; text: string }>(`SELECT id, text FROM drafts WHERE status = 'pending'`)
    sayToBoth({ as: 'wx-handler-wang', group: 'internal', text: `/approve ${draft!.id}` })
    await eventually(() => botLines('a', 'cust-zhao').includes(draft!.text), { timeoutMs: 20_000 })
    await settled()
    await new Promise((r) => setTimeout(r, 1000))
    const approvals = await q<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE text = $1`, [`/approve ${draft!.id}`])
    expect(approvals[0]!.n).toBe(1)
    expect(botLines('a', 'cust-zhao').filter((t) => t === draft!.text)).toHaveLength(1)
    const confirmations = [...botLines('a', 'internal'), ...botLines('b', 'internal')].filter((t) => t.includes(`草稿#${draft!.id} 已批准`))
    expect(confirmations).toHaveLength(1)
    // account B is not in the customer group: its puppet has no such room
    expect(() => lines('b', 'cust-zhao')).toThrow()
    const sends = await q<{ kind: string; group_key: string; account_key: string }>(`SELECT kind, group_key, account_key FROM sends WHERE kind = 'draft'`)
    expect(sends).toEqual([{ kind: 'draft', group_key: 'cust-zhao', account_key: 'a' }])
  })

  it('one worker stopped mid-run: the reminder still fires, once, through account A', { timeout: 45_000 }, async () => {
    await worker1.stop()
    // a reminder is a draft of category `reminder`, sent directly (an automatic category in the sandbox)
    const reminderSends = `SELECT s.text, s.status, s.group_key, s.account_key FROM sends s JOIN drafts d ON d.id = s.draft_id WHERE d.category = 'reminder'`
    const reminder = await eventually(async () => (await q<{ text: string; status: string }>(reminderSends)).find((r) => r.status === 'sent'), { timeoutMs: 25_000 })
    // a while longer: a second firing (by the other worker, or a replayed job) would show now
    await new Promise((r) => setTimeout(r, 3000))
    await settled()
    const reminders = await q<{ group_key: string; account_key: string }>(reminderSends)
    expect(reminders).toEqual([{ text: reminder.text, status: 'sent', group_key: 'cust-zhao', account_key: 'a' }])
    expect(botLines('a', 'cust-zhao').filter((t) => t === reminder.text)).toHaveLength(1)
  })

  it("the customer's photo on account A → the write-back in the partner group on account B, once", async () => {
    gateways.a!.tenant.say({ as: 'wx-zhao', group: 'cust-zhao', image: 'invoice.jpg' })
    const writeback = await eventually(() => botLines('b', 'partner-anxin').find((t) => t.startsWith('【回写】')), { timeoutMs: 20_000 })
    await settled()
    await new Promise((r) => setTimeout(r, 1000))
    expect(writeback).toContain('购买发票或凭证的照片')
    expect(botLines('b', 'partner-anxin').filter((t) => t.startsWith('【回写】'))).toHaveLength(1)
    const sends = await q<{ account_key: string }>(`SELECT account_key FROM sends WHERE kind = 'writeback'`)
    expect(sends).toEqual([{ account_key: 'b' }])
    // every send left through an account that sits in its group
    const misrouted = await q<{ id: string }>(`SELECT s.id FROM sends s JOIN groups g ON g.key = s.group_key WHERE s.account_key IS NULL OR NOT (s.account_key = ANY (g.accounts))`)
    expect(misrouted).toEqual([])
    const photos = await q<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE type = 'image'`)
    expect(photos).toEqual([{ n: 1 }])
  })
})
