import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { SqlStore } from '../../src/adapters/db/sql-store.js'
import { sqlEvidenceReader } from '../../src/adapters/db/evidence-store.js'
import { newCaseRecord } from '../../src/app/case-record.js'
import { deliverSend, type DeliverDeps } from '../../src/app/deliver-send.js'
import type { Messenger } from '../../src/app/ports.js'
import type { Store } from '../../src/app/store.js'
import { verifyEvidence } from '../../src/app/verify-evidence.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { testLogger } from '../support/test-env.js'

/**
 * A delivered send's result and delivery event are written in one statement when the case's
 * chain is where the claim found it, and in a transaction when another event came first: either
 * way the send is `sent` once and the trail verifies.
 */
describe('recording a delivered send', () => {
  let h: SandboxHarness
  let sql: SqlStore
  let transactions = 0
  const store: Store = {
    transaction: (fn) => (transactions++, sql.transaction(fn)),
    claimSend: (id) => sql.claimSend(id),
    finishSendAlone: (...args) => sql.finishSendAlone(...args),
  }

  beforeAll(async () => {
    // the api role alone: no worker delivers these sends but the test
    h = await startSandbox({ tenant: loadTenant('config/sandbox.yaml'), roles: ['api'] })
    sql = new SqlStore(h.runtime.ds)
  })
  afterAll(async () => {
    await h?.close()
  })

  const deps = (messenger: Messenger): DeliverDeps => ({ store, messenger, directory: h.runtime.directory, clock: { now: () => new Date() }, log: testLogger(), failureNotice: () => '发送失败' })

  /** A case with one event and a queued notice about it. */
  async function caseWithSend(): Promise<{ caseId: number; sendId: number }> {
    return sql.transaction(async (tx) => {
      const now = new Date()
      const rec = newCaseRecord({ customerKey: 'zhang', serviceType: 'after_sales', contactId: 'wx-zhang', executorId: 'wx-zhang', ownerId: null, partnerKey: null, orderNo: null, dueAt: null }, now)
      const caseId = await tx.insertCase(rec)
      await tx.appendEvidence(caseId, { kind: 'case_opened', actor: 'baton', at: now, payload: { customer: 'zhang' } })
      const sendId = await tx.insertSend({ kind: 'notice', caseId, groupKey: 'internal', text: '📝 待审核 草稿#1' }, now)
      return { caseId, sendId }
    })
  }

  const trail = async (caseId: number) =>
    (await h.runtime.ds.query(`SELECT seq, kind, payload->>'sendId' AS send FROM case_events WHERE case_id = $1 ORDER BY seq`, [caseId])) as Array<{ seq: number; kind: string; send: string | null }>

  it('writes the result and the event in one statement, with no transaction, when the chain did not move', async () => {
    const { caseId, sendId } = await caseWithSend()
    transactions = 0
    const outcome = await deliverSend(deps({ sendText: async () => ({ wecomMessageId: 'wm-1' }), recall: async () => false }), sendId, { final: false })
    expect(outcome).toBe('sent')
    expect(transactions).toBe(0)
    const [row] = await h.runtime.ds.query(`SELECT status, wecom_message_id, sent_at IS NOT NULL AS stamped FROM sends WHERE id = $1`, [sendId])
    expect(row).toEqual({ status: 'sent', wecom_message_id: 'wm-1', stamped: true })
    expect(await trail(caseId)).toEqual([
      { seq: 1, kind: 'case_opened', send: null },
      { seq: 2, kind: 'delivery', send: String(sendId) },
    ])
    expect((await verifyEvidence(sqlEvidenceReader(h.runtime.ds), caseId)).broken).toEqual([])
  })

  it('chains the event after one written while the send was on its way, in a transaction', async () => {
    const { caseId, sendId } = await caseWithSend()
    transactions = 0
    // a decision appends to the case between the claim and the result
    const messenger: Messenger = {
      sendText: async () => {
        await sql.transaction((tx) => tx.appendEvidence(caseId, { kind: 'message', actor: 'wx-zhang', at: new Date(), payload: { text: '在吗' } }))
        return { wecomMessageId: 'wm-2' }
      },
      recall: async () => false,
    }
    expect(await deliverSend(deps(messenger), sendId, { final: false })).toBe('sent')
    expect(transactions).toBe(1)
    expect(await trail(caseId)).toEqual([
      { seq: 1, kind: 'case_opened', send: null },
      { seq: 2, kind: 'message', send: null },
      { seq: 3, kind: 'delivery', send: String(sendId) },
    ])
    const [row] = await h.runtime.ds.query(`SELECT status FROM sends WHERE id = $1`, [sendId])
    expect(row.status).toBe('sent')
    expect((await verifyEvidence(sqlEvidenceReader(h.runtime.ds), caseId)).broken).toEqual([])
  })

  it('leaves nothing half-written when the chain moved: the result is not written without its event', async () => {
    const { caseId, sendId } = await caseWithSend()
    const claimed = await sql.claimSend(sendId)
    expect(claimed?.caseHead?.seq).toBe(1)
    await sql.transaction((tx) => tx.appendEvidence(caseId, { kind: 'message', actor: 'wx-zhang', at: new Date(), payload: { text: '好了' } }))
    const alone = await sql.finishSendAlone(
      sendId,
      { status: 'sent', wecomMessageId: 'wm-3', at: new Date() },
      { caseId, head: claimed!.caseHead!, evidence: { kind: 'delivery', actor: 'baton', at: new Date(), payload: { sendId } } },
    )
    expect(alone).toBe(false)
    const [row] = await h.runtime.ds.query(`SELECT status, wecom_message_id FROM sends WHERE id = $1`, [sendId])
    expect(row).toEqual({ status: 'sending', wecom_message_id: null })
    expect((await trail(caseId)).map((e) => e.kind)).toEqual(['case_opened', 'message'])
  })

  it('writes a send that belongs to no case in one statement too', async () => {
    const [ins] = await h.runtime.ds.query(`INSERT INTO sends (kind, group_key, text, created_at) VALUES ('reply', 'cust-zhao', '无案件的消息', now()) RETURNING id`)
    transactions = 0
    expect(await deliverSend(deps({ sendText: async () => ({ wecomMessageId: null }), recall: async () => false }), Number(ins.id), { final: false })).toBe('sent')
    expect(transactions).toBe(0)
    const [row] = await h.runtime.ds.query(`SELECT status FROM sends WHERE id = $1`, [ins.id])
    expect(row.status).toBe('sent')
  })
})
