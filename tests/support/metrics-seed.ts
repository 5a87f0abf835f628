import type { DataSource } from 'typeorm'
import { newCaseRecord, type CaseRecord, type DraftRecord } from '../../src/app/case-record.js'
import { SqlTx } from '../../src/adapters/db/sql-store.js'
import { appendEvidence } from '../../src/adapters/db/evidence-store.js'
import { draftRecord } from './draft-record.js'

/**
 * A week of recorded facts with known answers (see tests/integration/metrics-figures.test.ts).
 * Times are hours from PERIOD_START; the period is [PERIOD_START, PERIOD_END) and NOW is one day
 * after its end, so every 24 h "asked again?" window has passed.
 */
export const PERIOD_START = new Date('2026-11-13T00:00:00Z')
export const PERIOD_END = new Date('2026-11-20T00:00:00Z')
export const NOW = new Date('2026-11-21T00:00:00Z')
export const h = (hours: number) => new Date(PERIOD_START.getTime() + hours * 3_600_000)
export const HOUR = 3_600_000

const WANG = 'wx-handler-wang'
const CHEN = 'wx-handler-chen'

export interface Seeded {
  cases: Record<string, number>
  drafts: Record<string, number>
}

export async function seedMetricsWeek(ds: DataSource): Promise<Seeded> {
  return ds.transaction(async (m) => {
    const tx = new SqlTx(m)
    const cases: Record<string, number> = {}
    const drafts: Record<string, number> = {}
    let msgSeq = 0

    const kase = async (
      name: string,
      c: {
        customer: 'zhang' | 'zhao'
        owner: string | null
        partner: string | null
        type: CaseRecord['serviceType']
        state: CaseRecord['state']
        party: CaseRecord['waitingParty']
        due?: Date | null
        closedAt?: Date | null
        createdAt: Date
      },
    ) => {
      const base = newCaseRecord(
        {
          customerKey: c.customer,
          serviceType: c.type,
          contactId: c.customer === 'zhang' ? 'wx-zhang' : 'wx-zhao',
          executorId: null,
          ownerId: c.owner,
          partnerKey: c.partner,
          orderNo: null,
          dueAt: c.due ?? null,
        },
        c.createdAt,
      )
      cases[name] = await tx.insertCase({ ...base, state: c.state, waitingParty: c.party, closedAt: c.closedAt ?? null })
      return cases[name]!
    }
    const message = async (p: { caseId: number | null; at: Date; channel: string; group: string; talker: string; role: string; type?: string; text?: string; intent?: string | null }) => {
      const rows: { id: string }[] = await m.query(
        `INSERT INTO messages (wecom_id, direction, group_key, channel, talker_id, talker_role, type, text, said_at, case_id, intent, handled_at)
         VALUES ($1,'inbound',$2,$3,$4,$5,$6,$7,$8,$9,$10,$8) RETURNING id`,
        [`seed-${++msgSeq}`, p.group, p.channel, p.talker, p.role, p.type ?? 'text', p.text ?? '', p.at, p.caseId, p.intent ?? null],
      )
      return Number(rows[0]!.id)
    }
    const draft = async (
      name: string,
      d: {
        caseId: number | null
        group: string
        category: string
        status: DraftRecord['status']
        mode?: DraftRecord['mode']
        by?: string | null
        decidedAt?: Date | null
        createdAt: Date
        source?: number | null
      },
    ) => {
      drafts[name] = await tx.insertDraft(
        draftRecord({
          caseId: d.caseId,
          targetGroupKey: d.group,
          category: d.category,
          text: `draft ${name}`,
          mode: d.mode ?? 'review_before_send',
          status: d.status,
          sourceMessageId: d.source ?? null,
          decidedBy: d.by ?? null,
          decidedAt: d.decidedAt ?? null,
          createdAt: d.createdAt,
        }),
      )
      return drafts[name]!
    }
    const send = async (draftId: number, s: { caseId: number | null; group: string; createdAt: Date; sentAt: Date | null; recalledAt?: Date | null }) => {
      await m.query(
        `INSERT INTO sends (kind, draft_id, case_id, group_key, text, status, created_at, relayed_at, sent_at, recalled_at, recall_result)
         VALUES ('draft',$1,$2,$3,'x',$4,$5,$5,$6,$7,$8)`,
        [draftId, s.caseId, s.group, s.sentAt ? 'sent' : 'queued', s.createdAt, s.sentAt, s.recalledAt ?? null, s.recalledAt ? 'recalled' : null],
      )
    }
    const events: Array<{ caseId: number; kind: string; at: Date; payload: Record<string, unknown> }> = []
    const event = (caseId: number, kind: string, at: Date, payload: Record<string, unknown>) => events.push({ caseId, kind, at, payload })

    // ── cases ────────────────────────────────────────────────────────────────
    const c1 = await kase('c1', {
      customer: 'zhang',
      owner: WANG,
      partner: 'anxin',
      type: 'after_sales',
      state: 'waiting_customer_material',
      party: 'customer',
      due: new Date(NOW.getTime() - HOUR),
      createdAt: h(9),
    })
    const c2 = await kase('c2', { customer: 'zhao', owner: CHEN, partner: 'anxin', type: 'material', state: 'waiting_partner', party: 'partner', due: new Date(NOW.getTime() + 2 * HOUR), createdAt: h(0) })
    const c3 = await kase('c3', { customer: 'zhang', owner: WANG, partner: null, type: 'appointment', state: 'waiting_executor', party: 'executor', due: new Date(NOW.getTime() - 3 * HOUR), createdAt: h(2) })
    const c4 = await kase('c4', { customer: 'zhao', owner: CHEN, partner: 'anxin', type: 'material', state: 'completed', party: 'none', closedAt: h(50), createdAt: h(29) })
    const c5 = await kase('c5', { customer: 'zhang', owner: WANG, partner: 'anxin', type: 'after_sales', state: 'completed', party: 'none', closedAt: h(60), createdAt: h(3) })
    await kase('c6', { customer: 'zhao', owner: null, partner: null, type: 'progress', state: 'completed', party: 'none', closedAt: h(70), createdAt: h(4) })
    const c7 = await kase('c7', { customer: 'zhang', owner: CHEN, partner: null, type: 'appointment', state: 'completed', party: 'none', closedAt: h(80), createdAt: h(5) })
    await kase('c8', { customer: 'zhao', owner: WANG, partner: null, type: 'material', state: 'requested', party: 'team', due: new Date(NOW.getTime() - HOUR), createdAt: h(6) })
    await kase('c9', { customer: 'zhang', owner: WANG, partner: null, type: 'after_sales', state: 'completed', party: 'none', closedAt: h(-1), createdAt: h(-30) })
    await kase('c10', { customer: 'zhao', owner: WANG, partner: null, type: 'material', state: 'cancelled', party: 'none', closedAt: h(20), createdAt: h(7) })

    // ── partner requests → customer deliveries: 1 h, 3 h, 0.5 h, 2 h in the period ──
    const partner = (caseId: number, at: Date) => message({ caseId, at, channel: 'partner', group: 'partner-anxin', talker: 'wx-partner-li', role: 'partner', intent: 'partner_request' })
    const d1 = await draft('d1', { caseId: c1, group: 'cust-zhang', category: 'material_request', status: 'approved', by: WANG, decidedAt: h(10.5), createdAt: h(10), source: await partner(c1, h(10)) })
    await send(d1, { caseId: c1, group: 'cust-zhang', createdAt: h(10.5), sentAt: h(11) })
    const d2 = await draft('d2', { caseId: c2, group: 'cust-zhao', category: 'material_request', status: 'approved', by: WANG, decidedAt: h(22), createdAt: h(20), source: await partner(c2, h(20)) })
    await send(d2, { caseId: c2, group: 'cust-zhao', createdAt: h(22), sentAt: h(23), recalledAt: h(30) }) // a wrong send
    const d3 = await draft('d3', { caseId: c4, group: 'cust-zhao', category: 'material_request', status: 'edited', by: CHEN, decidedAt: h(30.2), createdAt: h(30), source: await partner(c4, h(30)) })
    await send(d3, { caseId: c4, group: 'cust-zhao', createdAt: h(30.2), sentAt: h(30.5) })
    const d4 = await draft('d4', { caseId: c1, group: 'cust-zhang', category: 'coordination_request', status: 'approved', by: CHEN, decidedAt: h(101), createdAt: h(100), source: await partner(c1, h(100)) })
    await send(d4, { caseId: c1, group: 'cust-zhang', createdAt: h(101), sentAt: h(102) })
    // outside the period, and a customer-triggered draft: neither counts as a partner delivery
    const d5 = await draft('d5', { caseId: c1, group: 'cust-zhang', category: 'material_request', status: 'approved', by: WANG, decidedAt: h(-4.5), createdAt: h(-5), source: await partner(c1, h(-5)) })
    await send(d5, { caseId: c1, group: 'cust-zhang', createdAt: h(-4.5), sentAt: h(-4), recalledAt: h(-3) })
    const customerMsg = await message({ caseId: c2, at: h(45), channel: 'customer', group: 'cust-zhao', talker: 'wx-zhao', role: 'customer_contact', type: 'image' })
    const d6 = await draft('d6', {
      caseId: c2,
      group: 'cust-zhao',
      category: 'material_received',
      status: 'sent_direct',
      mode: 'send_direct',
      by: 'baton',
      decidedAt: h(45),
      createdAt: h(45),
      source: customerMsg,
    })
    await send(d6, { caseId: c2, group: 'cust-zhao', createdAt: h(45), sentAt: h(45.1) })

    // ── other review outcomes ───────────────────────────────────────────────
    await draft('d7', { caseId: c3, group: 'cust-zhang', category: 'material_request', status: 'rejected', by: WANG, decidedAt: h(40), createdAt: h(39) })
    await draft('d8', { caseId: c5, group: 'cust-zhang', category: 'proof_request', status: 'taken_over', by: CHEN, decidedAt: h(52), createdAt: h(51) })
    await draft('d11', { caseId: c3, group: 'cust-zhang', category: 'generic_reply', status: 'pending', createdAt: h(160) })
    // missed sends: one expired in the period, one before it
    await draft('d12', { caseId: c3, group: 'cust-zhang', category: 'progress_reply', status: 'expired', by: 'baton', decidedAt: h(90), createdAt: h(66) })
    await draft('d13', { caseId: c3, group: 'cust-zhang', category: 'progress_reply', status: 'expired', by: 'baton', decidedAt: h(-2), createdAt: h(-26) })

    // ── evidence for closed cases: c4 has its photo, c5 none, c7 the customer's confirmation ──
    await message({ caseId: c4, at: h(40), channel: 'customer', group: 'cust-zhao', talker: 'wx-zhao', role: 'customer_contact', type: 'image' })
    await message({ caseId: c7, at: h(79), channel: 'customer', group: 'cust-zhang', talker: 'wx-zhang', role: 'customer_contact', text: '好了', intent: 'completion_claim' })
    // a photo after c5 was closed does not make its closing complete
    await message({ caseId: c5, at: h(61), channel: 'customer', group: 'cust-zhang', talker: 'wx-zhang', role: 'customer_contact', type: 'image' })

    // ── progress questions: 5 episodes judged, 4 not followed by another question within 24 h ──
    const ask = (caseId: number, at: Date, group: string, talker: string, o: { channel?: string; role?: string } = {}) =>
      message({ caseId, at, channel: o.channel ?? 'customer', group, talker, role: o.role ?? 'customer_contact', text: '进度怎么样了', intent: 'progress_question' })
    await ask(c2, h(1), 'cust-zhao', 'wx-zhao') // asked again at h10: not clear
    await ask(c2, h(10), 'cust-zhao', 'wx-zhao') // a repeat, not an episode
    await ask(c2, h(40), 'cust-zhao', 'wx-zhao') // clear
    await ask(c1, h(-10), 'cust-zhang', 'wx-zhang') // before the period
    await ask(c1, h(5), 'cust-zhang', 'wx-zhang') // a repeat of h-10
    await ask(c1, h(50), 'cust-zhang', 'wx-zhang') // clear (the two below do not count)
    await ask(c1, h(51), 'cust-zhang', WANG, { role: 'handler' })
    await ask(c1, h(60), 'partner-anxin', 'wx-partner-li', { channel: 'partner', role: 'partner' })
    await ask(c1, h(80), 'cust-zhang', 'wx-zhang') // clear
    await ask(c3, h(167), 'cust-zhang', 'wx-zhang-wife', { role: 'executor' }) // clear: nothing until NOW

    // ── evidence trail: write-backs, reminders, state changes, snoozes ──────────
    event(c2, 'writeback', h(24), { sinceCustomerCompletionMs: 10 * 60_000 })
    event(c4, 'writeback', h(41), { sinceCustomerCompletionMs: 30 * 60_000 })
    event(c5, 'writeback', h(55), { sinceCustomerCompletionMs: 2 * 60_000 })
    event(c5, 'writeback', h(56), { sinceCustomerCompletionMs: null })
    event(c2, 'writeback', h(-6), { sinceCustomerCompletionMs: 99 * 60_000 })
    event(c1, 'timer_fired', h(12), { step: 'remind', attempt: 0 })
    event(c1, 'timer_fired', h(13), { step: 'remind', attempt: 1 })
    event(c3, 'timer_fired', h(14), { step: 'remind', attempt: 0 })
    event(c1, 'timer_fired', h(15), { step: 'escalate_owner', attempt: 2 })
    event(c3, 'timer_fired', h(-1), { step: 'remind', attempt: 0 })
    event(c1, 'state_changed', h(10), { from: 'requested', to: 'waiting_customer_material', dueAt: h(12).toISOString() })
    event(c1, 'snoozed', h(11), { dueAt: h(40).toISOString() })
    event(c2, 'state_changed', h(24), { from: 'material_received', to: 'waiting_partner', dueAt: h(26).toISOString() })
    event(c4, 'state_changed', h(30), { from: 'requested', to: 'waiting_customer_material', dueAt: h(100).toISOString() })
    event(c4, 'state_changed', h(50), { from: 'waiting_customer_material', to: 'completed', dueAt: null })
    events.sort((a, b) => a.at.getTime() - b.at.getTime())
    for (const e of events) await appendEvidence(m, e.caseId, { kind: e.kind, actor: 'seed', at: e.at, payload: e.payload })

    // ── knowledge: three changes in the period (first recordings are not updates) ──
    await m.query(
      `INSERT INTO knowledge_versions (key, version, content_hash, text, reason, actor, at) VALUES
        ('seed-tpl', 1, 'a', 'v1', 'startup', 'seed', $1), ('seed-tpl', 2, 'b', 'v2', 'reload', 'seed', $2),
        ('seed-tpl', 3, 'c', 'v3', 'reload', 'seed', $3), ('seed-other', 1, 'x', 'o1', 'startup', 'seed', $2),
        ('seed-other', 2, NULL, NULL, 'reload', 'seed', $4), ('seed-old', 1, 'y', 'old', 'startup', 'seed', $5),
        ('seed-old', 2, 'z', 'old2', 'reload', 'seed', $5)`,
      [h(1), h(20), h(30), h(40), h(-48)],
    )
    return { cases, drafts }
  })
}
