import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DataSource } from 'typeorm'
import { createDataSource, ensureDatabase, runMigrations } from '../../src/adapters/db/data-source.js'
import { SqlStore } from '../../src/adapters/db/sql-store.js'
import { sqlEvidenceReader } from '../../src/adapters/db/evidence-store.js'
import { newCaseRecord } from '../../src/app/case-record.js'
import type { Tx } from '../../src/app/store.js'
import { draftRecord } from '../support/draft-record.js'
import { verifyEvidence } from '../../src/app/verify-evidence.js'
import { dropSchema, TEST_DATABASE_URL, uniqueName } from '../support/test-env.js'

/**
 * Every method of the transaction port, in the order a use case could call them: run once in a
 * plain transaction and once in a batch transaction that preloaded nothing (a batch of one), the
 * two must observe and leave the same things. Ids differ (the batch takes them in chunks), so
 * what is observed is reported relative to the script's own ids.
 */
async function script(tx: Tx, customer: string, group: string, at: Date): Promise<unknown[]> {
  const seen: unknown[] = []
  const caseId = await tx.insertCase(
    newCaseRecord({ customerKey: customer, serviceType: 'after_sales', contactId: 'c', executorId: null, ownerId: 'o', partnerKey: null, orderNo: `DD-${customer}`, dueAt: null }, at),
  )
  await tx.updateCase(caseId, { state: 'waiting_customer_material', waitingParty: 'customer', missingItems: ['发票'], updatedAt: at })
  await tx.appendEvidence(caseId, { kind: 'case_opened', actor: 'test', at, payload: { customer } })
  const open = await tx.findOpenCases({ customerKeys: [customer], orderNumbers: [`DD-${customer}`] })
  seen.push(open.map((c) => [c.id === caseId, c.state, c.missingItems, c.needsPerson]))
  const draftId = await tx.insertDraft(draftRecord({ caseId, targetGroupKey: group, candidates: [caseId], createdAt: at }))
  // reads through to the database: the draft held by the batch must be there
  const draft = await tx.lockDraft(draftId)
  seen.push([draft?.id === draftId, draft?.status, draft?.candidates.map((c) => c === caseId)])
  await tx.updateDraft(draftId, { status: 'approved', decidedBy: 'o', decidedAt: at })
  const sendId = await tx.insertSend({ kind: 'draft', draftId, caseId, groupKey: group, text: '请补发票' }, at)
  seen.push(await tx.sendStatus(sendId))
  const claimed = await tx.claimSend(sendId)
  seen.push([claimed?.id === sendId, claimed?.status, claimed?.attempts])
  await tx.releaseSend(sendId, 'throttled')
  seen.push(await tx.sendStatus(sendId))
  await tx.claimSend(sendId)
  seen.push((await tx.lockInDoubtSends(new Date(Date.now() + 60_000), 10)).map((s) => s.id === sendId))
  seen.push(await tx.findOutboundEcho({ sendId, groupKey: group, text: '请补发票', saidAfter: at }))
  await tx.finishSend(sendId, { status: 'sent', wecomMessageId: `w-${customer}`, error: null, at })
  const delivered = await tx.draftSend(draftId)
  seen.push([delivered?.id === sendId, delivered?.status, delivered?.wecomMessageId === `w-${customer}`])
  await tx.markRecalled(sendId, 'recalled', at)
  seen.push((await tx.draftSend(draftId))?.recalledAt?.toISOString())
  seen.push(await tx.supersedeDrafts(caseId, 'material_request', at))
  seen.push(await tx.attachAttention(customer, caseId))
  seen.push(await tx.lastCaseInGroup(group, at))
  seen.push(await tx.recentAttention({ groupKey: group, caseId, since: at }))
  seen.push(await tx.personEngaged({ groupKey: group, caseId, categories: ['material_request'], since: at, until: at, messageId: 0, talkerId: 'wx-x' }))
  seen.push(await tx.latestSummary({ groupKey: group, talkerId: 'wx-x' }, `sum-${customer}`, at))
  await tx.appendEvidence(caseId, { kind: 'delivery', actor: 'baton', at, payload: { sendId: 'x' } })
  const locked = await tx.lockCase(caseId)
  seen.push([locked?.state, locked?.missingItems])
  return seen
}

describe('a batch of one serves every transaction method as a plain transaction does', () => {
  const schema = uniqueName('t')
  let ds: DataSource
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => ds.query(sql, params)

  beforeAll(async () => {
    const opts = { url: TEST_DATABASE_URL, schema }
    await ensureDatabase(opts)
    ds = createDataSource(opts)
    await ds.initialize()
    await runMigrations(ds)
    await q(`INSERT INTO groups (key, kind) VALUES ('g-plain', 'customer'), ('g-batch', 'customer')`)
    await q(`INSERT INTO customers (key, name, group_key, contact_id) VALUES ('plain', '甲', 'g-plain', 'c'), ('batch', '乙', 'g-batch', 'c')`)
  })
  afterAll(async () => {
    await ds?.destroy()
    await dropSchema(schema)
  })

  it('observes and writes the same through every method, and the evidence verifies', async () => {
    const store = new SqlStore(ds)
    const at = new Date('2026-12-01T09:00:00.000Z')
    const plain = await store.transaction((tx) => script(tx, 'plain', 'g-plain', at))
    const batched = await store.batch!((tx) => script(tx, 'batch', 'g-batch', at))
    expect(batched).toEqual(plain)
    expect(plain[0]).toEqual([[true, 'waiting_customer_material', ['发票'], false]])
    expect(plain[1]).toEqual([true, 'pending', [true]])

    const state = async (customer: string) => {
      const [c] = await q<Record<string, unknown>>(`SELECT id, state, missing_items FROM cases WHERE customer_key = $1`, [customer])
      const d = await q(`SELECT status, decided_by FROM drafts WHERE case_id = $1`, [c!['id']])
      const s = await q(`SELECT kind, status, attempts, wecom_message_id IS NOT NULL AS delivered, recall_result, error FROM sends WHERE case_id = $1`, [c!['id']])
      const e = await q(`SELECT seq, kind FROM case_events WHERE case_id = $1 ORDER BY seq`, [c!['id']])
      return { c: [c!['state'], c!['missing_items']], d, s, e }
    }
    expect(await state('batch')).toEqual(await state('plain'))
    expect((await verifyEvidence(sqlEvidenceReader(ds))).broken).toEqual([])
  })

  it('a lone message takes the next case and draft numbers (people type them), its send id in the same round trip', async () => {
    const store = new SqlStore(ds)
    const at = new Date('2026-12-01T10:00:00.000Z')
    const statements: string[] = []
    const one = () =>
      store.batch!(async (tx) => {
        const caseId = await tx.insertCase(newCaseRecord({ customerKey: 'batch', serviceType: 'after_sales', contactId: 'c', executorId: null, ownerId: 'o', partnerKey: null, orderNo: null, dueAt: null }, at))
        const draftId = await tx.insertDraft(draftRecord({ caseId, targetGroupKey: 'g-batch', createdAt: at }))
        const sendId = await tx.insertSend({ kind: 'notice', caseId, groupKey: 'g-batch', text: `草稿 #${draftId}` }, at)
        return { caseId, draftId, sendId }
      })
    const first = await one()
    // an own property over the driver's method, deleted afterwards: counts the batch's statements
    const query = ds.driver.createQueryRunner.bind(ds.driver)
    ds.driver.createQueryRunner = (mode) => {
      const runner = query(mode)
      const run = runner.query.bind(runner)
      runner.query = ((sql: string, ...rest: never[]) => (statements.push(sql), run(sql, ...rest))) as typeof runner.query
      return runner
    }
    let second: Awaited<ReturnType<typeof one>>
    try {
      second = await one()
    } finally {
      delete (ds.driver as Partial<typeof ds.driver>).createQueryRunner
    }
    expect(second.caseId).toBe(first.caseId + 1)
    expect(second.draftId).toBe(first.draftId + 1)
    expect(statements.filter((sql) => sql.includes('nextval'))).toHaveLength(2)
  })
})
