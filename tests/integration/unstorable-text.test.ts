import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import { types as PuppetTypes } from 'wechaty-puppet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sqlEvidenceReader } from '../../src/adapters/db/evidence-store.js'
import { verifyEvidence } from '../../src/app/verify-evidence.js'
import { apiClient } from '../support/api-client.js'
import { sayAndSettle } from '../support/groups.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { eventually } from '../support/test-env.js'

/** What PostgreSQL keeps of a JS string: UTF-8 (a lone surrogate becomes U+FFFD), no NUL. */
const asStored = (s: string) => Buffer.from(s, 'utf8').toString('utf8').replaceAll('\u0000', '')

interface Hostile {
  /** appended to the WeCom message id */
  idTail?: string
  talkerId?: string
  roomId?: string
  text: string
}

// Text, ids and senders with what PostgreSQL refuses: NUL anywhere, lone surrogates in jsonb.
const HOSTILE: Array<[string, Hostile]> = [
  ['a NUL byte in the text', { text: 'DD20261101001 照片\u0000已上传' }],
  ['lone surrogates in the text', { text: 'DD20261101001 照片\ud800已上传\udfff' }],
  ['a NUL byte and a lone surrogate in the message id', { idTail: '-\u0000-\ud800', text: 'DD20261101001 照片已上传' }],
  ["a NUL byte in a staff member's sender id", { talkerId: 'wx-handler-wang\u0000', roomId: 'r-internal@chatroom', text: 'DD20261101001 已经联系客户了' }],
  ["a lone surrogate in a customer's sender id", { talkerId: 'wx-zhang\udc00', text: 'DD20261101001 投诉！你们太慢了' }],
]

/** Random tokens, one per role this file calls the API as. */
const TOKENS = { viewer: randomBytes(24).toString('hex'), handler: randomBytes(24).toString('hex'), supervisor: randomBytes(24).toString('hex') }
const TOKENS_ENV = `vera:viewer:${TOKENS.viewer},hans:handler:${TOKENS.handler},sue:supervisor:${TOKENS.supervisor}`

interface MessageRow {
  id: string
  handled_at: Date | null
  case_id: string | null
}

describe('messages and API input with NUL bytes or lone surrogates (real PostgreSQL)', () => {
  let h: SandboxHarness
  let seq = 0
  const logLines: Array<{ msg: string; level: number }> = []

  beforeAll(async () => {
    const log = pino({ level: 'info' }, { write: (l: string) => void logLines.push(JSON.parse(l) as { msg: string; level: number }) })
    h = await startSandbox({ env: { BATON_API_TOKENS: TOKENS_ENV }, log })
  })
  afterAll(async () => {
    await h?.close()
  })

  /** Puts a raw payload in the mock tenant and emits it, as a puppet would; answers the WeCom id. */
  function emit(m: Hostile): string {
    const id = `unstorable-${seq++}${m.idTail ?? ''}`
    const { mocker, puppet } = h.runtime.sandbox!
    mocker.cacheMessagePayload.set(id, {
      id,
      talkerId: m.talkerId ?? 'wx-zhang',
      roomId: m.roomId ?? 'r-cust-zhang@chatroom',
      text: m.text,
      timestamp: Date.now(),
      type: PuppetTypes.Message.Text,
      mentionIdList: [],
    } as never)
    puppet.emit('message', { messageId: id })
    return id
  }

  /** The message's row once decided; decided means now, not after the next restart. */
  async function decided(wecomId: string): Promise<MessageRow> {
    return eventually(async () => ((await h.runtime.ds.query(`SELECT id, handled_at, case_id FROM messages WHERE wecom_id = $1 AND handled_at IS NOT NULL`, [asStored(wecomId)])) as MessageRow[])[0], {
      timeoutMs: 5_000,
    })
  }

  /** Every trace the decision left: the case's evidence (its chain intact) or an attention item. */
  async function expectTraces(row: MessageRow): Promise<void> {
    const events: unknown[] = await h.runtime.ds.query(`SELECT 1 FROM case_events WHERE kind = 'message' AND (payload->>'messageId')::bigint = $1`, [row.id])
    const attention: unknown[] = await h.runtime.ds.query(`SELECT 1 FROM attention_items WHERE message_id = $1`, [row.id])
    expect(events.length + attention.length, `message ${row.id} left no evidence and no attention item`).toBeGreaterThan(0)
    if (row.case_id !== null) {
      expect(events).toHaveLength(1)
      // the hash was taken over what PostgreSQL holds, so the chain still verifies
      expect((await verifyEvidence(sqlEvidenceReader(h.runtime.ds), Number(row.case_id))).broken).toEqual([])
    }
  }

  it.each(HOSTILE)('a message with %s is decided at once and leaves its traces', async (_name, m) => {
    const row = await decided(emit(m))
    await expectTraces(row)
  })

  it('such messages arriving together are decided in one batch, not one by one after a failed batch', async () => {
    const from = logLines.length
    const ids = HOSTILE.map(([, m]) => emit(m))
    for (const id of ids) await expectTraces(await decided(id))
    // (the mock tenant's complaints about unknown senders are not the pipeline's)
    expect(
      logLines
        .slice(from)
        .filter((l) => l.msg.includes('one by one') || (l.level >= 40 && /decid|record/i.test(l.msg)))
        .map((l) => l.msg),
    ).toEqual([])
  })

  describe('the API answers 400 naming the field, stores nothing and keeps the item as it was', () => {
    let api: ReturnType<typeof apiClient>
    let draftId: number
    let attentionId: number

    beforeAll(async () => {
      api = apiClient(h)
      await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261102007 让客户补一下发票照片' })
      draftId = Number(((await h.runtime.ds.query(`SELECT id FROM drafts WHERE status = 'pending' ORDER BY id DESC LIMIT 1`)) as { id: string }[])[0]!.id)
      await sayAndSettle(h, { as: '张先生', group: 'cust-zhang', text: '投诉！你们太慢了，我要退款' })
      attentionId = Number(((await h.runtime.ds.query(`SELECT id FROM attention_items WHERE cleared_at IS NULL ORDER BY id DESC LIMIT 1`)) as { id: string }[])[0]!.id)
    })

    const BAD = [
      ['a NUL byte', '好的\u0000马上处理'],
      ['a lone high surrogate', '好的\ud800马上处理'],
      ['a lone low surrogate', '\udfff'],
    ] as const

    it.each(BAD)('editing a draft with %s', async (_name, text) => {
      const res = await api.call('POST', `/api/v1/drafts/${draftId}/edit`, { token: TOKENS.supervisor, body: { text } })
      expect(res.status, res.text).toBe(400)
      expect(res.body.error.details.field).toBe('text')
      expect(res.body.error.message).toMatch(/^text: .*NUL.*surrogate/)
      const [d] = await h.runtime.ds.query(`SELECT status, final_text FROM drafts WHERE id = $1`, [draftId])
      expect(d).toEqual({ status: 'pending', final_text: null })
    })

    it.each(BAD)('rejecting a draft with %s in the reason', async (_name, reason) => {
      const res = await api.call('POST', `/api/v1/drafts/${draftId}/reject`, { token: TOKENS.supervisor, body: { reason } })
      expect(res.status, res.text).toBe(400)
      expect(res.body.error.details.field).toBe('reason')
      expect((await h.runtime.ds.query(`SELECT status FROM drafts WHERE id = $1`, [draftId]))[0].status).toBe('pending')
    })

    it.each(BAD)('clearing an attention item with %s in the note', async (_name, note) => {
      const res = await api.call('POST', `/api/v1/attention/${attentionId}/clear`, { token: TOKENS.handler, body: { note } })
      expect(res.status, res.text).toBe(400)
      expect(res.body.error.details.field).toBe('note')
      expect((await h.runtime.ds.query(`SELECT cleared_at FROM attention_items WHERE id = $1`, [attentionId]))[0].cleared_at).toBeNull()
    })

    it.each(['owner', 'group', 'partner'])('listing cases by a %s with a NUL byte', async (field) => {
      const res = await api.call('GET', `/api/v1/cases?${field}=wx%00zhang`, { token: TOKENS.viewer })
      expect(res.status, res.text).toBe(400)
      expect(res.body.error.details.field).toBe(field)
    })

    it('the same input without the bad character is taken', async () => {
      const res = await api.call('POST', `/api/v1/attention/${attentionId}/clear`, { token: TOKENS.handler, body: { note: '已电话联系' } })
      expect(res.status, res.text).toBe(200)
    })
  })
})
