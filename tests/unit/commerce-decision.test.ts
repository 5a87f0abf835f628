import { describe, expect, it } from 'vitest'
import type { AnswerEntry } from '../../src/domain/knowledge.js'
import { matchKnowledge } from '../../src/domain/commerce/answer-knowledge.js'
import type { OrderFacts, OrderLookupResult } from '../../src/domain/commerce/order-facts.js'
import { orderStatusText, readOrderForProgress, type OrderWords } from '../../src/domain/commerce/order-progress.js'
import type { CaseFacts, CustomerFacts } from '../../src/domain/decide/case-facts.js'
import { decideWithCommerce, type CommerceContext } from '../../src/domain/decide/commerce-decision.js'
import { decideMessage, type DecisionInput } from '../../src/domain/decide/decide-message.js'

const TZ = 'Asia/Shanghai'
// Friday 2026-12-04, 10:00 in Shanghai
const now = new Date('2026-12-04T02:00:00Z')
const words: OrderWords = {
  status: {
    pending_payment: '待付款',
    paid: '已付款',
    processing: '备货中',
    shipped: '已发货',
    in_transit: '运输中',
    out_for_delivery: '派送中',
    delivered: '已签收',
    cancelled: '已取消',
    refunding: '退款中',
    refunded: '已退款',
    exception: '异常',
  },
  carrierAndTracking: '{carrier} {tracking_no}',
  carrierOnly: '{carrier}',
  eta: { today: '预计今天送达', tomorrow: '预计明天送达', dayAfter: '预计后天送达', date: '预计{month}月{day}日送达' },
  visit: '师傅已排期 {month}月{day}日 {start}–{end}',
  items: '商品：{items}',
  separator: '，',
}
const facts = (over: Partial<OrderFacts> = {}): OrderFacts => ({
  orderNo: 'DD1',
  status: 'shipped',
  rawStatus: 'SHIPPED',
  carrier: '顺丰速运',
  trackingNo: 'SF123456',
  eta: '2026-12-05',
  items: ['空调'],
  visible: ['status', 'carrier', 'trackingNo', 'eta'],
  ...over,
})
const ok = (f: OrderFacts = facts()): OrderLookupResult => ({ ok: true, facts: f, source: 'http://shop/orders/{order_no}', at: now, ms: 5, cached: false, fieldsUsed: ['status'] })
const failed = (reason: 'timeout' | 'unavailable'): OrderLookupResult => ({ ok: false, orderNo: 'DD1', reason, detail: 'x', source: 's', at: now, ms: 5 })

const entry = (over: Partial<AnswerEntry> & Pick<AnswerEntry, 'id' | 'kind' | 'questions'>): AnswerEntry => ({
  version: 1,
  title: over.id,
  answer: `${over.id}的答复。`,
  hash: `h-${over.id}`,
  file: 'k.yaml',
  ...over,
})
const ENTRIES: AnswerEntry[] = [
  entry({ id: 'seven-days', kind: 'evergreen', questions: ['七天无理由'] }),
  entry({ id: 'double-11', kind: 'campaign', questions: ['双十一价保'], validFrom: '2026-11-01', validTo: '2026-11-30' }),
  entry({ id: 'cleaning', kind: 'campaign', questions: ['免费清洗'], validFrom: '2026-12-04', validTo: '2027-01-15' }),
]

const zhao: CustomerFacts = { key: 'zhao', groupKey: 'cust-zhao', contactId: 'wx-zhao', executorId: 'wx-zhao', serviceType: 'material', orderNumbers: ['DD1'] }
const theCase: CaseFacts = {
  id: 9,
  customerKey: 'zhao',
  serviceType: 'material',
  state: 'waiting_partner',
  waitingParty: 'partner',
  contactId: 'wx-zhao',
  executorId: 'wx-zhao',
  ownerId: null,
  partnerKey: 'anxin',
  orderNo: 'DD1',
  stateEnteredAt: now,
  updatedAt: now,
  proofSinceStateEntry: false,
  missingItems: [],
  receivedItems: [],
  awaiting: null,
  appointment: null,
  needsPerson: false,
}

function says(over: Partial<DecisionInput> = {}): DecisionInput {
  const label = over.label ?? 'progress_question'
  const confidence = over.confidence ?? 0.99
  return {
    channel: 'customer',
    talkerRole: 'customer_contact',
    type: 'text',
    intent: 'progress_question',
    label,
    confidence,
    scores: [{ label, p: confidence }],
    familiarity: 0.9,
    riskFlags: [],
    signals: [],
    refs: { caseIds: [], orderNumbers: [], customerKeys: [] },
    requestedItems: [],
    window: null,
    substantive: true,
    asks: true,
    toFamily: false,
    toTeam: false,
    groupCustomers: [zhao],
    referencedCustomers: [],
    openCases: [theCase],
    partnerKey: null,
    contextCaseId: null,
    proofRuleFor: () => 'none',
    isAttachmentItem: () => true,
    ...over,
  }
}
const ctx = (over: Partial<CommerceContext> = {}): CommerceContext => ({ text: '到哪了', now, timeZone: TZ, orders: new Map(), words, knowledge: { entries: ENTRIES, campaignWords: ['活动', '优惠'] }, ...over })
/** The needs-person reading the intent model gives campaign questions it has not seen. */
const unsure = { intent: 'unknown' as const, label: 'needs_person', confidence: 0.9 }

describe('order status in customer words', () => {
  it('says the status, carrier and tracking number and the day as people say it', () => {
    expect(orderStatusText(facts(), words, now, TZ)).toBe('已发货，顺丰速运 SF123456，预计明天送达')
    expect(orderStatusText(facts({ eta: '2026-12-04' }), words, now, TZ)).toBe('已发货，顺丰速运 SF123456，预计今天送达')
    expect(orderStatusText(facts({ eta: '2026-12-06' }), words, now, TZ)).toBe('已发货，顺丰速运 SF123456，预计后天送达')
    expect(orderStatusText(facts({ eta: '2026-12-09' }), words, now, TZ)).toBe('已发货，顺丰速运 SF123456，预计12月9日送达')
    // a date-time is read on the tenant's calendar: 20:00 UTC on the 4th is the 5th in Shanghai
    expect(orderStatusText(facts({ eta: '2026-12-04T20:00:00Z' }), words, now, TZ)).toBe('已发货，顺丰速运 SF123456，预计明天送达')
  })

  it('shows only what customers may see, and never a day already past', () => {
    expect(orderStatusText(facts({ visible: ['status', 'carrier'] }), words, now, TZ)).toBe('已发货，顺丰速运')
    expect(orderStatusText(facts({ visible: ['status'] }), words, now, TZ)).toBe('已发货')
    expect(orderStatusText(facts({ carrier: null }), words, now, TZ)).toBe('已发货，预计明天送达')
    expect(orderStatusText(facts({ eta: '2026-12-01' }), words, now, TZ)).toBe('已发货，顺丰速运 SF123456')
    // items are said only when the tenant lists them as visible
    expect(orderStatusText(facts({ items: ['空调', '支架'], visible: ['status', 'items'] }), words, now, TZ)).toBe('已发货，商品：空调、支架')
  })

  it('a failed lookup, a delivered order asked about, a cancelled order: a person, with the reason', () => {
    expect(readOrderForProgress(failed('timeout'), words, now, TZ)).toMatchObject({ kind: 'person', reason: 'order_lookup_failed' })
    expect(readOrderForProgress(ok(facts({ status: 'delivered' })), words, now, TZ)).toMatchObject({ kind: 'person', reason: 'verification_conflict' })
    expect(readOrderForProgress(ok(facts({ status: 'cancelled' })), words, now, TZ)).toMatchObject({ kind: 'person', reason: 'order_exception' })
    expect(readOrderForProgress(ok(facts({ status: 'in_transit' })), words, now, TZ)).toEqual({ kind: 'answer', text: '运输中，顺丰速运 SF123456，预计明天送达' })
  })
})

describe('policy and campaign knowledge by date', () => {
  it('a campaign is live on its first and last day (tenant calendar), never outside', () => {
    const k = { entries: ENTRIES, campaignWords: [] }
    expect(matchKnowledge('免费清洗怎么约', k, null, now, TZ).live.map((e) => e.id)).toEqual(['cleaning'])
    // 2026-12-03 23:00 in Shanghai is still the day before the campaign
    const before = matchKnowledge('免费清洗怎么约', k, null, new Date('2026-12-03T15:00:00Z'), TZ)
    expect(before.live).toEqual([])
    expect(before.outOfDate.map((e) => e.id)).toEqual(['cleaning'])
    expect(matchKnowledge('双十一价保', k, null, new Date('2026-11-30T15:59:00Z'), TZ).live.map((e) => e.id)).toEqual(['double-11'])
    expect(matchKnowledge('双十一价保', k, null, new Date('2026-11-30T16:00:00Z'), TZ).live).toEqual([])
  })

  it('questions are found whatever the spacing and width; evergreen entries have no dates', () => {
    const m = matchKnowledge('请问 七天 无理由 怎么退？', { entries: ENTRIES, campaignWords: ['活动'] }, null, new Date('2030-01-01T00:00:00Z'), TZ)
    expect(m.live.map((e) => e.id)).toEqual(['seven-days'])
    expect(m.campaignWords).toBe(false)
  })

  it('an entry for other service types does not answer', () => {
    const only = [entry({ id: 'install-only', kind: 'evergreen', questions: ['安装费'], serviceTypes: ['appointment'] })]
    expect(matchKnowledge('安装费多少', { entries: only, campaignWords: [] }, 'material', now, TZ).live).toEqual([])
    expect(matchKnowledge('安装费多少', { entries: only, campaignWords: [] }, 'appointment', now, TZ).live).toHaveLength(1)
  })
})

describe('decideWithCommerce', () => {
  it('without commerce facts it is decideMessage, unchanged', () => {
    for (const input of [says(), says({ ...unsure }), says({ intent: 'chit_chat', label: 'chit_chat', asks: false })]) {
      expect(decideWithCommerce(input, null)).toEqual({ ...decideMessage(input), order: null })
    }
    // entries that nothing asks about change nothing either
    expect(decideWithCommerce(says(), ctx({ text: '请问进度怎么样了' }))).toEqual({ ...decideMessage(says()), order: null })
  })

  it('a progress question with the order found: the order_progress draft carries the status text', () => {
    const d = decideWithCommerce(says(), ctx({ orders: new Map([['DD1', ok()]]) }))
    expect(d.mode).toBe('send_direct')
    expect(d.draft).toMatchObject({ category: 'order_progress', facts: { order_no: 'DD1', order_status: '已发货，顺丰速运 SF123456，预计明天送达' } })
    expect(d.order?.orderNo).toBe('DD1')
  })

  it('a service case with an agreed visit says when the technician comes (tenant time zone); a proposed one is not news', () => {
    const visit = { start: '2026-12-05T09:00:00+08:00', end: '2026-12-05T12:00:00+08:00' }
    const agreed = says({ openCases: [{ ...theCase, appointment: { ...visit, agreed: true } }] })
    const d = decideWithCommerce(agreed, ctx({ orders: new Map([['DD1', ok(facts({ status: 'processing', carrier: null, trackingNo: null, eta: null }))]]) }))
    expect(d.draft?.facts?.['order_status']).toBe('备货中，师傅已排期 12月5日 09:00–12:00')
    const proposed = says({ openCases: [{ ...theCase, appointment: { ...visit, agreed: false } }] })
    expect(decideWithCommerce(proposed, ctx({ orders: new Map([['DD1', ok(facts({ status: 'processing', carrier: null, trackingNo: null, eta: null }))]]) })).draft?.facts?.['order_status']).toBe('备货中')
  })

  it('a failed lookup or a contradiction: a person with the reason, no draft, the lookup kept for the evidence', () => {
    const down = decideWithCommerce(says(), ctx({ orders: new Map([['DD1', failed('unavailable')]]) }))
    expect(down).toMatchObject({ mode: 'needs_person', draft: null, attention: { reasons: ['order_lookup_failed'] }, caseChoice: { kind: 'existing', caseId: 9 } })
    expect(down.order?.result.ok).toBe(false)
    const delivered = decideWithCommerce(says(), ctx({ orders: new Map([['DD1', ok(facts({ status: 'delivered' }))]]) }))
    expect(delivered).toMatchObject({ mode: 'needs_person', draft: null, attention: { reasons: ['verification_conflict'] } })
  })

  it('a case with an open matter is not answered from the order either', () => {
    const d = decideWithCommerce(says({ openCases: [{ ...theCase, needsPerson: true }] }), ctx({ orders: new Map([['DD1', ok()]]) }))
    expect(d).toMatchObject({ mode: 'needs_person', attention: { reasons: ['open_matter'] }, order: null })
  })

  it('a running campaign is answered for review with the entry recorded; an ended one is never used', () => {
    const d = decideWithCommerce(says({ ...unsure }), ctx({ text: '免费清洗活动还有吗？双十一价保呢' }))
    expect(d.mode).toBe('review_before_send')
    expect(d.draft).toMatchObject({ category: 'knowledge_answer', facts: { answer: 'cleaning的答复。' }, knowledge: [{ id: 'cleaning', version: 1, hash: 'h-cleaning', kind: 'campaign' }] })
    expect(JSON.stringify(d)).not.toContain('double-11')
  })

  it('an ended campaign: a person, "campaign_ended"; an unknown one: "campaign_unknown"', () => {
    const ended = decideWithCommerce(says({ ...unsure }), ctx({ text: '双十一价保还能申请吗？' }))
    expect(ended).toMatchObject({ mode: 'needs_person', draft: null })
    expect(ended.attention?.reasons).toContain('campaign_ended')
    const unknown = decideWithCommerce(says({ ...unsure }), ctx({ text: '你们有什么优惠活动吗？' }))
    expect(unknown.attention?.reasons).toContain('campaign_unknown')
    // the words alone, not asked, are no question
    expect(decideWithCommerce(says({ intent: 'chit_chat', label: 'chit_chat', asks: false }), ctx({ text: '这个活动不错' })).mode).toBe('record_only')
  })

  it('an evergreen answer may go out directly; a complaint or a hazard stays with a person', () => {
    const d = decideWithCommerce(says({ ...unsure }), ctx({ text: '七天无理由怎么退？' }))
    expect(d).toMatchObject({ mode: 'send_direct', draft: { category: 'knowledge_answer', riskFlags: [] } })
    const money = decideWithCommerce(says({ ...unsure, signals: ['compensation'], riskFlags: ['compensation'] }), ctx({ text: '七天无理由怎么退？' }))
    expect(money).toMatchObject({ mode: 'review_before_send', draft: { riskFlags: ['compensation'] } })
    // a request, not a question: the person it needed stays
    const request = says({ ...unsure, asks: false, signals: ['compensation'], riskFlags: ['compensation'] })
    expect(decideWithCommerce(request, ctx({ text: '我要七天无理由退货' }))).toEqual({ ...decideMessage(request), order: null })
    const hazard = decideWithCommerce(says({ ...unsure, signals: ['safety'], riskFlags: ['safety'] }), ctx({ text: '七天无理由退货，机器冒烟了' }))
    expect(hazard).toMatchObject({ mode: 'needs_person', draft: null })
    expect(hazard.attention?.reasons).toContain('safety')
  })

  it('in a group with no open case the question opens one; staff and partners are never answered from knowledge', () => {
    const d = decideWithCommerce(says({ ...unsure, openCases: [] }), ctx({ text: '七天无理由怎么退？' }))
    expect(d.caseChoice).toEqual({ kind: 'open', customerKey: 'zhao', serviceType: 'material', partnerKey: null, orderNo: 'DD1' })
    const staff = says({ ...unsure, talkerRole: 'handler' })
    expect(decideWithCommerce(staff, ctx({ text: '七天无理由怎么退？' }))).toEqual({ ...decideMessage(staff), order: null })
  })
})
