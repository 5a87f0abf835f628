import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { buildServices } from '../../src/main/build-services.js'
import { SqlStore } from '../../src/adapters/db/sql-store.js'
import { SqlMessageStore } from '../../src/adapters/db/message-store.js'
import { sqlEvidenceReader } from '../../src/adapters/db/evidence-store.js'
import { handleMessage, handleMessages, type HandleDeps } from '../../src/app/handle-message.js'
import { processRecordedBatch } from '../../src/app/process-inbound.js'
import { verifyEvidence } from '../../src/app/verify-evidence.js'
import type { RecordedMessage } from '../../src/app/inbound-message.js'
import type { Store } from '../../src/app/store.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { pino } from 'pino'
import { testLogger } from '../support/test-env.js'

/** A morning in the sandbox's groups: cases opened, photos, "好了", progress questions, chatter. */
const SCRIPT: Array<Pick<RecordedMessage, 'groupKey' | 'channel' | 'talkerId' | 'talkerRole' | 'type' | 'text'>> = [
  { groupKey: 'partner-anxin', channel: 'partner', talkerId: 'wx-partner-li', talkerRole: 'partner', type: 'text', text: '订单DD20261102007，麻烦让客户补一下发票照片' },
  { groupKey: 'cust-zhao', channel: 'customer', talkerId: 'wx-zhao', talkerRole: 'customer_contact', type: 'text', text: '好了' },
  { groupKey: 'cust-zhang', channel: 'customer', talkerId: 'wx-zhang', talkerRole: 'customer_contact', type: 'text', text: '在吗' },
  { groupKey: 'partner-anxin', channel: 'partner', talkerId: 'wx-partner-li', talkerRole: 'partner', type: 'text', text: 'DD20261101001 麻烦让客户上传一下空调安装位置的照片' },
  { groupKey: 'cust-zhao', channel: 'customer', talkerId: 'wx-zhao', talkerRole: 'customer_contact', type: 'image', text: '' },
  { groupKey: 'cust-zhao', channel: 'customer', talkerId: 'wx-zhao', talkerRole: 'customer_contact', type: 'text', text: '请问现在进度怎么样了？' },
  { groupKey: 'cust-zhang', channel: 'customer', talkerId: 'wx-zhang', talkerRole: 'customer_contact', type: 'image', text: '' },
  { groupKey: 'cust-zhang', channel: 'customer', talkerId: 'wx-zhang', talkerRole: 'customer_contact', type: 'text', text: '照片已经发了，你们看一下' },
  { groupKey: 'members', channel: 'public_customer', talkerId: 'wx-zhang', talkerRole: 'customer_contact', type: 'text', text: '请问安装费怎么收？' },
  { groupKey: 'internal', channel: 'internal', talkerId: 'wx-handler-wang', talkerRole: 'handler', type: 'text', text: '下午的排班我调整好了' },
  { groupKey: 'partner-anxin', channel: 'partner', talkerId: 'wx-partner-li', talkerRole: 'partner', type: 'text', text: 'DD20261102007 已完成' },
  { groupKey: 'cust-zhao', channel: 'customer', talkerId: 'wx-zhao', talkerRole: 'customer_contact', type: 'text', text: '谢谢' },
]

interface World {
  h: SandboxHarness
  deps: HandleDeps
  messages: SqlMessageStore
}

async function world(store?: (s: SqlStore) => Store, automaticCategories = ['material_received', 'progress_reply']): Promise<World> {
  const tenant = loadTenant('config/sandbox.yaml')
  tenant.policy = { automaticCategories }
  // the api role alone: nothing in the process decides messages besides this test
  const h = await startSandbox({ tenant, roles: ['api'] })
  const { services, wording } = buildServices(h.tenant, h.runtime.directory)
  const sql = new SqlStore(h.runtime.ds)
  const deps: HandleDeps = { store: store ? store(sql) : sql, directory: h.runtime.directory, services, wording, clock: { now: () => new Date() }, log: testLogger() }
  return { h, deps, messages: new SqlMessageStore(h.runtime.ds) }
}

async function record(w: World, i: number, m: (typeof SCRIPT)[number]): Promise<RecordedMessage> {
  const msg: Omit<RecordedMessage, 'id'> = {
    ...m,
    wecomId: `batch-test-${i}`,
    roomId: `r-${m.groupKey}@chatroom`,
    talkerName: m.talkerId,
    self: false,
    mentionIds: [],
    attachment: m.type === 'image' ? { name: `photo-${i}.jpg` } : null,
    saidAt: new Date(),
    direction: 'inbound',
  }
  const id = await w.messages.insert(msg)
  return { ...msg, id: id! }
}

/** What people and the team end up with, with ids and times taken out (they differ by run). */
async function outcome(w: World): Promise<unknown> {
  const q = (sql: string) => w.h.runtime.ds.query(sql)
  const noIds = (s: string) => s.replace(/\d+/g, '#')
  const cases = (await q(
    `SELECT customer_key, order_no, state, waiting_party, missing_items, state_version, reminder_count, customer_completed_at IS NOT NULL AS completed, writeback_at IS NOT NULL AS written_back, closed_at IS NOT NULL AS closed FROM cases ORDER BY customer_key, order_no`,
  )) as unknown[]
  const drafts = (
    (await q(`SELECT d.category, d.mode, d.status, d.text, d.target_group_key, d.risk_flags, c.customer_key FROM drafts d LEFT JOIN cases c ON c.id = d.case_id ORDER BY d.id`)) as Array<Record<string, unknown>>
  ).map((d) => ({ ...d, text: noIds(String(d['text'])) }))
  const sends = ((await q(`SELECT kind, group_key, contact_id, status, text FROM sends ORDER BY id`)) as Array<Record<string, unknown>>).map((s) => ({ ...s, text: noIds(String(s['text'])) }))
  const handled = (await q(`SELECT m.wecom_id, m.intent, m.mode, c.customer_key, m.handled_at IS NOT NULL AS handled FROM messages m LEFT JOIN cases c ON c.id = m.case_id ORDER BY m.id`)) as unknown[]
  const trail = (await q(`SELECT c.customer_key, e.seq, e.kind, e.payload->>'to' AS to_state FROM case_events e JOIN cases c ON c.id = e.case_id ORDER BY c.customer_key, e.seq`)) as unknown[]
  return { cases, drafts, sends, handled, trail }
}

/**
 * Three rounds in the sandbox with nothing automatic: the first leaves a pending draft, open
 * attention items and notices in the database; in the second the partner asks again (the pending
 * draft gives way) and a customer keeps coming back to the matter (already told) until it is a
 * flood (a summary); in the third the flood goes on (the queued summary is rewritten), the
 * partner asks once more, and a handler answers by hand before the customer raises the matter again.
 */
const PARTNER = { groupKey: 'partner-anxin', channel: 'partner', talkerId: 'wx-partner-li', talkerRole: 'partner', type: 'text' } as const
const ZHANG = { groupKey: 'cust-zhang', channel: 'customer', talkerId: 'wx-zhang', talkerRole: 'customer_contact', type: 'text' } as const
const ROUNDS: Array<Array<(typeof SCRIPT)[number]>> = [
  [
    { ...PARTNER, text: '订单DD20261102007，麻烦让客户补一下发票照片' },
    { ...ZHANG, text: '师傅把我家地板划了一道，这个怎么赔？' },
    { groupKey: 'members', channel: 'public_customer', talkerId: 'wx-zhang', talkerRole: 'customer_contact', type: 'text', text: '我要投诉你们的师傅，态度太差了' },
  ],
  [
    { ...PARTNER, text: '订单DD20261102007，再麻烦客户拍一下保修卡' },
    ...[
      '地板划了这么长一道，到底赔不赔？',
      '有人吗？',
      '我要投诉，一直没人理',
      '再不回复我就打12315了',
      '你们到底什么时候来？',
      '地板的赔偿怎么说？',
      '人呢',
      '？？？',
      '赔不赔给个准话',
      '还要等多久',
      '我要投诉',
    ].map((text) => ({ ...ZHANG, text })),
    { groupKey: 'members', channel: 'public_customer', talkerId: 'wx-zhang', talkerRole: 'customer_contact', type: 'text', text: '师傅态度太差了，我要投诉' },
  ],
  // the flood goes on: the summary the last round queued is rewritten with the new count
  // a handler answers in the group by hand (the open items are cleared), and the customer comes back to it
  [
    ...['怎么还没人回', '地板怎么办', '我等着呢'].map((text) => ({ ...ZHANG, text })),
    { ...PARTNER, text: 'DD20261102007 发票照片和保修卡都要，麻烦尽快' },
    { groupKey: 'cust-zhang', channel: 'customer', talkerId: 'wx-handler-wang', talkerRole: 'handler', type: 'text', text: '张先生您好，地板的事我们今天给您答复' },
    { ...ZHANG, text: '师傅把地板划坏了，你们赔不赔？' },
  ],
]

describe('deciding messages in a batch over what earlier decisions left in the database', () => {
  let one: World
  let batch: World

  beforeAll(async () => {
    ;[one, batch] = await Promise.all([world(undefined, []), world(undefined, [])])
  })
  afterAll(async () => {
    await Promise.all([one?.h.close(), batch?.h.close()])
  })

  it('ends in exactly the state that deciding them one at a time gives: drafts superseded, matters told once, a flood summarised', async () => {
    let i = 0
    for (const round of ROUNDS) {
      for (const m of round) await handleMessage(one.deps, await record(one, i++, m))
    }
    i = 0
    for (const round of ROUNDS) {
      const recorded: RecordedMessage[] = []
      for (const m of round) recorded.push(await record(batch, i++, m))
      const results = await handleMessages(batch.deps, recorded)
      expect(results.map((r) => r.status)).toEqual(round.map(() => 'fulfilled'))
    }
    const attention = (w: World) =>
      w.h.runtime.ds.query(`SELECT a.group_key, c.customer_key, a.reasons, a.notified, a.cleared_at IS NOT NULL AS cleared FROM attention_items a LEFT JOIN cases c ON c.id = a.case_id ORDER BY a.id`)
    const expected = await outcome(one)
    expect(await outcome(batch)).toEqual(expected)
    expect(await attention(batch)).toEqual(await attention(one))
    // the scenario exercises what the batch now answers from memory
    const seen = JSON.stringify(expected)
    for (const fact of ['"status":"superseded"', '"kind":"notice"']) expect(seen).toContain(fact)
    const [told] = await one.h.runtime.ds.query(`SELECT count(*) FILTER (WHERE summary_key IS NOT NULL)::int AS summaries FROM sends`)
    expect(told.summaries).toBeGreaterThan(0)
    expect((await attention(one)).length).toBeGreaterThan(2)
    for (const w of [one, batch]) expect((await verifyEvidence(sqlEvidenceReader(w.h.runtime.ds))).broken).toEqual([])
  })
})

describe('deciding messages in a batch', () => {
  let one: World
  let batch: World

  beforeAll(async () => {
    ;[one, batch] = await Promise.all([world(), world()])
  })
  afterAll(async () => {
    await Promise.all([one?.h.close(), batch?.h.close()])
  })

  it('ends in exactly the state that deciding them one at a time gives, with verifiable evidence', async () => {
    // one at a time, each said just before it is decided (no backlog)
    for (const [i, m] of SCRIPT.entries()) await handleMessage(one.deps, await record(one, i, m))
    // the same morning arriving as a backlog: recorded, then decided as one batch
    const recorded: RecordedMessage[] = []
    for (const [i, m] of SCRIPT.entries()) recorded.push(await record(batch, i, m))
    const results = await handleMessages(batch.deps, recorded)
    expect(results.map((r) => r.status)).toEqual(SCRIPT.map(() => 'fulfilled'))

    const expected = await outcome(one)
    expect(await outcome(batch)).toEqual(expected)
    // the scenario really exercises the batch: cases opened, a write-back, a completion
    const seen = JSON.stringify(expected)
    for (const fact of ['"kind":"writeback"', '"state":"completed"', '"category":"proof_request"', '"kind":"draft"', '"state":"waiting_partner"']) expect(seen).toContain(fact)
    for (const w of [one, batch]) expect((await verifyEvidence(sqlEvidenceReader(w.h.runtime.ds))).broken).toEqual([])
  })

  it('continues chains written outside the batch and sees cases it did not open', async () => {
    // the previous test left cases with evidence: a second batch appends to their chains
    const recorded: RecordedMessage[] = []
    for (const [i, m] of SCRIPT.slice(0, 6).entries()) recorded.push(await record(batch, 100 + i, m))
    const results = await handleMessages(batch.deps, recorded)
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true)
    const [n] = await batch.h.runtime.ds.query(`SELECT count(*)::int AS n FROM messages WHERE handled_at IS NULL`)
    expect(n.n).toBe(0)
    expect((await verifyEvidence(sqlEvidenceReader(batch.h.runtime.ds))).broken).toEqual([])
  })

  it('decides every message on its own when the batch fails, so one bad message costs only itself', async () => {
    const failing = await world((sql) => ({
      transaction: (fn) => sql.transaction(fn),
      claimSend: (id) => sql.claimSend(id),
      batch: () => Promise.reject(new Error('simulated batch failure')),
    }))
    try {
      const recorded: RecordedMessage[] = []
      for (const [i, m] of SCRIPT.slice(0, 4).entries()) recorded.push(await record(failing, i, m))
      const results = await handleMessages(failing.deps, recorded)
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
      const [n] = await failing.h.runtime.ds.query(`SELECT count(*)::int AS n FROM messages WHERE handled_at IS NOT NULL`)
      expect(n.n).toBe(4)
    } finally {
      await failing.h.close()
    }
  })

  it('logs each message as decided once, even when a decided batch is rolled back and decided again one by one', async () => {
    const failing = await world((sql) => ({
      transaction: (fn) => sql.transaction(fn),
      claimSend: (id) => sql.claimSend(id),
      batch: (fn) =>
        sql.batch!(async (tx) => {
          await fn(tx)
          throw new Error('simulated failure at commit')
        }),
    }))
    try {
      const lines: Array<{ msg: string; messageId?: string }> = []
      const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string }) })
      const recorded: RecordedMessage[] = []
      for (const [i, m] of SCRIPT.slice(0, 4).entries()) recorded.push(await record(failing, i, m))
      const results = await handleMessages({ ...failing.deps, log }, recorded)
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
      expect(lines.filter((l) => l.msg === 'message decided').map((l) => l.messageId)).toEqual(recorded.map((m) => m.wecomId))
    } finally {
      await failing.h.close()
    }
  })

  it("decides a partner message naming nobody (the group's last case) inside the batch, without falling back", async () => {
    const lines: Array<{ msg: string }> = []
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string }) })
    const script: Array<(typeof SCRIPT)[number]> = [
      { groupKey: 'partner-anxin', channel: 'partner', talkerId: 'wx-partner-li', talkerRole: 'partner', type: 'text', text: 'DD20261102007 麻烦让客户补一下发票照片' },
      { groupKey: 'partner-anxin', channel: 'partner', talkerId: 'wx-partner-li', talkerRole: 'partner', type: 'text', text: '明天下午能去，2点到5点之间，让客户在家' },
      { groupKey: 'partner-anxin', channel: 'partner', talkerId: 'wx-partner-li', talkerRole: 'partner', type: 'text', text: '明天下午能去，3点以后，让客户在家' },
    ]
    const recorded: RecordedMessage[] = []
    for (const [i, m] of script.entries()) recorded.push(await record(batch, 400 + i, m))
    const results = await handleMessages({ ...batch.deps, log }, recorded)
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled'])
    // the batch held the group's last case and answered for it from memory (before the fix, "case N was not preloaded")
    expect(lines.filter((l) => l.msg.includes('deciding one by one'))).toEqual([])
    const cases = new Set(results.map((r) => (r.status === 'fulfilled' ? r.value.caseId : null)))
    expect(cases.size).toBe(1)
    expect([...cases][0]).not.toBeNull()
  })

  it('fails every message of the batch with the outage when PostgreSQL is unreachable (the intake catches up later)', async () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const deps = {
      ...batch.deps,
      store: { transaction: () => Promise.reject(outage), claimSend: () => Promise.reject(outage), batch: () => Promise.reject(outage) } as Store,
      isOutage: (e: unknown) => e === outage,
    }
    const recorded = [await record(batch, 200, SCRIPT[2]!), await record(batch, 201, SCRIPT[9]!)]
    const results = await handleMessages(deps, recorded)
    expect(results).toEqual([
      { status: 'rejected', reason: outage },
      { status: 'rejected', reason: outage },
    ])
  })

  it("counts a photo tied to a case as proof for the batch's later messages, as the database would afterwards", async () => {
    const ds = batch.h.runtime.ds
    const [c] = await ds.query(
      `INSERT INTO cases (customer_key, service_type, contact_id, executor_id, state, waiting_party, state_entered_at, created_at, updated_at)
       VALUES ('zhang', 'after_sales', 'wx-zhang', 'wx-zhang', 'waiting_customer_material', 'customer', now() - interval '1 minute', now(), now()) RETURNING id`,
    )
    const caseId = Number(c.id)
    const photo = await record(batch, 300, SCRIPT[6]!)
    const store = new SqlStore(ds)
    const proofOf = (cases: Array<{ id: number; proofSinceStateEntry: boolean }>) => cases.find((x) => x.id === caseId)?.proofSinceStateEntry
    const seenInBatch = await store.batch(async (tx) => {
      expect(
        await tx.preload({ customerKeys: ['zhang'] }, [{ id: photo.id, groupKey: null, type: 'image', direction: 'inbound', saidAt: photo.saidAt, talkerId: 'wx-zhang', talkerRole: 'customer_contact' }]),
      ).toBe(true)
      const before = proofOf(await tx.findOpenCases({ customerKeys: ['zhang'] }))
      await tx.markMessageHandled(photo.id, { caseId, intent: 'material_provided', mode: 'record_only', classification: null, at: new Date() })
      return { before, after: proofOf(await tx.findOpenCases({ customerKeys: ['zhang'] })) }
    })
    expect(seenInBatch).toEqual({ before: false, after: true })
    const committed = await store.transaction((tx) => tx.findOpenCases({ customerKeys: ['zhang'] }))
    expect(proofOf(committed)).toBe(true)
  })

  it("sees another member's question earlier in the same batch as side talk, as the database would afterwards", async () => {
    const ds = batch.h.runtime.ds
    const asked = await record(batch, 310, { groupKey: 'cust-zhang', channel: 'customer', talkerId: 'wx-zhang', talkerRole: 'customer_contact', type: 'text', text: '老婆，周六上午你在家不？' })
    const answer = await record(batch, 311, { groupKey: 'cust-zhang', channel: 'customer', talkerId: 'wx-zhang-wife', talkerRole: 'executor', type: 'text', text: '周六上午在家的' })
    const store = new SqlStore(ds)
    const facts = [asked, answer].map((m) => ({ id: m.id, groupKey: m.groupKey, type: m.type, direction: m.direction, saidAt: m.saidAt, talkerId: m.talkerId, talkerRole: m.talkerRole }))
    const query = {
      groupKey: 'cust-zhang',
      caseId: null,
      categories: ['appointment_confirmed'],
      since: new Date(asked.saidAt.getTime() - 1),
      until: answer.saidAt,
      messageId: answer.id,
      talkerId: 'wx-zhang-wife',
    }
    const inBatch = await store.batch(async (tx) => {
      await tx.preload({ customerKeys: ['zhang'] }, facts)
      await tx.markMessageHandled(asked.id, { caseId: null, intent: 'chit_chat', mode: 'record_only', classification: { asks: true }, at: new Date() })
      // the same person going on is no side talk
      return [await tx.personEngaged(query), await tx.personEngaged({ ...query, talkerId: 'wx-zhang' })]
    })
    expect(inBatch).toEqual(['side_talk', null])
    expect(await store.transaction((tx) => tx.personEngaged(query))).toBe('side_talk')
  })
})

describe('a backlog with Baton’s own messages between the customers’', () => {
  it('is decided in one transaction: the notices Baton sent and heard back do not cut it into runs', async () => {
    let batches = 0
    const w = await world((sql) => ({
      transaction: (fn) => sql.transaction(fn),
      claimSend: (id) => sql.claimSend(id),
      batch: (fn) => (batches++, sql.batch(fn)),
    }))
    try {
      // a review notice and a write-back come back from WeCom between the messages that caused them
      const own = (i: number, groupKey: string, text: string) =>
        w.messages.insert({
          wecomId: `own-${i}`,
          roomId: `r-${groupKey}@chatroom`,
          groupKey,
          channel: groupKey === 'internal' ? 'internal' : 'partner',
          talkerId: 'wx-bot',
          talkerName: 'Baton',
          talkerRole: 'bot',
          self: true,
          direction: 'outbound',
          type: 'text',
          text,
          mentionIds: [],
          attachment: null,
          saidAt: new Date(),
        })
      const recorded: RecordedMessage[] = []
      for (const [i, m] of SCRIPT.slice(0, 6).entries()) {
        recorded.push(await record(w, 400 + i, m))
        const id = await own(i, i % 2 === 0 ? 'internal' : 'partner-anxin', `📝 待审核 草稿#${i}`)
        recorded.push({ ...recorded.at(-1)!, id: id!, wecomId: `own-${i}`, groupKey: i % 2 === 0 ? 'internal' : 'partner-anxin', direction: 'outbound', talkerRole: 'bot', talkerId: 'wx-bot', self: true })
      }
      // no command among them: the command services are never reached
      const deps = { ...w.deps, messages: w.messages } as unknown as Parameters<typeof processRecordedBatch>[0]
      const results = await processRecordedBatch(deps, recorded)
      expect(batches).toBe(1)
      // every message has its own result, in arrival order: a mode for the customers', none for Baton's own
      expect(results.map((r) => r.status)).toEqual(recorded.map(() => 'fulfilled'))
      const values = results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed'))
      expect(values.filter((_, i) => i % 2 === 1)).toEqual([null, null, null, null, null, null])
      expect(values.filter((_, i) => i % 2 === 0).every((v) => v === 'send_direct' || v === 'review_before_send' || v === 'record_only' || v === 'needs_person')).toBe(true)
      const [n] = await w.h.runtime.ds.query(`SELECT count(*) FILTER (WHERE handled_at IS NOT NULL)::int AS handled, count(*)::int AS inbound FROM messages WHERE direction = 'inbound'`)
      expect(n).toEqual({ handled: 6, inbound: 6 })
    } finally {
      await w.h.close()
    }
  })
})
