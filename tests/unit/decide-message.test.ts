import { describe, expect, it } from 'vitest'
import type { CaseFacts, CustomerFacts } from '../../src/domain/decide/case-facts.js'
import { CONFIDENT, decideMessage, type DecisionInput } from '../../src/domain/decide/decide-message.js'
import { extractAppointmentWindow } from '../../src/domain/understanding/appointment-window.js'

const at = new Date('2026-11-20T02:00:00Z')
const zhang: CustomerFacts = { key: 'zhang', groupKey: 'cust-zhang', contactId: 'wx-zhang', executorId: 'wx-zhang', serviceType: 'after_sales', orderNumbers: ['AJ20261120-8837', 'AJ20261118-5521'] }
const INFO = new Set(['方便上门的日期和时段'])
/** The window a message states, read on the test's day (Friday 2026-11-20, Shanghai). */
const said = (text: string, now = at) => extractAppointmentWindow(text, now, 'Asia/Shanghai')
/** The evening before the visit: a time said without a day is tomorrow's. */
const evening = new Date('2026-11-20T12:00:00Z')

function kase(over: Partial<CaseFacts> = {}): CaseFacts {
  return {
    id: 7,
    customerKey: 'zhang',
    serviceType: 'after_sales',
    state: 'waiting_customer_material',
    waitingParty: 'customer',
    contactId: 'wx-zhang',
    executorId: 'wx-zhang',
    ownerId: null,
    partnerKey: 'anxin',
    orderNo: 'AJ20261120-8837',
    stateEnteredAt: at,
    updatedAt: at,
    proofSinceStateEntry: false,
    missingItems: [],
    receivedItems: [],
    awaiting: 'material',
    appointment: null,
    needsPerson: false,
    ...over,
  }
}

/** A customer's text message in their own group, read confidently, about their one open case. */
function customerSays(over: Partial<DecisionInput> = {}): DecisionInput {
  const input: Omit<DecisionInput, 'scores'> = {
    channel: 'customer',
    talkerRole: 'customer_contact',
    type: 'text',
    intent: 'chit_chat',
    label: 'chit_chat',
    confidence: 0.95,
    familiarity: 0.9,
    riskFlags: [],
    signals: [],
    refs: { caseIds: [], orderNumbers: [], customerKeys: [] },
    requestedItems: [],
    window: null,
    substantive: true,
    asks: false,
    toFamily: false,
    toTeam: false,
    groupCustomers: [zhang],
    referencedCustomers: [],
    openCases: [kase()],
    partnerKey: null,
    contextCaseId: null,
    proofRuleFor: () => 'image',
    isAttachmentItem: (item) => !INFO.has(item),
    ...over,
  }
  // the model's view: the reading alone unless a test gives the full distribution
  return { ...input, scores: over.scores ?? [{ label: input.label, p: input.confidence }] }
}

function partnerSays(over: Partial<DecisionInput> = {}): DecisionInput {
  return customerSays({ channel: 'partner', talkerRole: 'partner', intent: 'partner_request', label: 'partner_request', groupCustomers: [], referencedCustomers: [zhang], partnerKey: 'anxin', ...over })
}

describe('never silent when a person must act', () => {
  it('a risk signal makes even a confident chit-chat reading a matter for a person', () => {
    const d = decideMessage(customerSays({ signals: ['safety'], riskFlags: ['safety'] }))
    expect(d.mode).toBe('needs_person')
    expect(d.attention?.reasons).toEqual(['safety'])
    expect(d.draft).toBeNull()
  })

  it.each([
    ['complaint', 'complaint', 'complaint'],
    ['refund_or_compensation', 'refund_or_compensation', 'compensation'],
    ['needs_person', 'unknown', 'unclear'],
    ['material_claim', 'completion_claim', 'missing_proof'],
  ] as const)('the reading %s needs a person (%s → %s)', (label, intent, reason) => {
    const d = decideMessage(customerSays({ label, intent }))
    expect(d.mode).toBe('needs_person')
    expect(d.attention?.reasons).toContain(reason)
  })

  it('a substantive message read without confidence is looked at by a person', () => {
    const d = decideMessage(customerSays({ label: 'progress_question', intent: 'progress_question', confidence: CONFIDENT - 0.01 }))
    expect(d.mode).toBe('needs_person')
    expect(d.attention?.reasons).toEqual(['unclear'])
  })

  it('chatter, thanks and promises stay silent', () => {
    expect(decideMessage(customerSays()).mode).toBe('record_only')
    expect(decideMessage(customerSays({ label: 'promise_later', intent: 'unknown' })).mode).toBe('record_only')
    // an emoji alone is not substantive, whatever the model thought of it
    expect(decideMessage(customerSays({ label: 'chit_chat', confidence: 0.3, substantive: false })).mode).toBe('record_only')
  })

  it('a routine progress question on a case with an open dispute goes to a person', () => {
    const d = decideMessage(customerSays({ label: 'progress_question', intent: 'progress_question', openCases: [kase({ needsPerson: true })] }))
    expect(d.mode).toBe('needs_person')
    expect(d.attention?.reasons).toEqual(['open_matter'])
  })

  it('a completion remark with no open case goes to a person, without opening a case for it', () => {
    const d = decideMessage(customerSays({ label: 'completion_claim', intent: 'completion_claim', confidence: 0.97, scores: [{ label: 'completion_claim', p: 0.97 }], openCases: [] }))
    expect(d.mode).toBe('needs_person')
    expect(d.attention?.reasons).toEqual(['uncertain_case'])
    expect(d.caseChoice).toEqual({ kind: 'none' })
  })

  it('a partner request naming no case or customer is a matter for a person, not a draft', () => {
    const d = decideMessage(partnerSays({ referencedCustomers: [], openCases: [] }))
    expect(d.mode).toBe('needs_person')
    expect(d.attention?.reasons).toEqual(expect.arrayContaining(['missing_context', 'uncertain_case']))
  })
})

describe('context decides the reading', () => {
  it('time words are an appointment answer only while the case waits for one', () => {
    // while photos are awaited, time words move nothing and tell the partner nothing: a person looks
    const waitingForMaterial = decideMessage(customerSays({ label: 'appointment', intent: 'appointment', window: said('明天下午') }))
    expect(waitingForMaterial.mode).toBe('needs_person')
    expect(waitingForMaterial.transition).toBeNull()
    expect(waitingForMaterial.writeback).toBeNull()
    const waitingForTime = decideMessage(
      customerSays({ label: 'appointment', intent: 'appointment', window: said('明天下午'), openCases: [kase({ state: 'waiting_executor', awaiting: 'appointment', missingItems: ['方便上门的日期和时段'] })] }),
    )
    expect(waitingForTime.draft?.category).toBe('appointment_confirmed')
    expect(waitingForTime.writeback).toBe('appointment_confirmed')
  })

  it('a time nobody asked for goes to a person, even right after an answer was passed on', () => {
    const passedOn = kase({ state: 'waiting_partner', awaiting: null })
    const d = decideMessage(customerSays({ label: 'appointment', intent: 'appointment', window: said('明天下午'), openCases: [passedOn] }))
    expect(d.mode).toBe('needs_person')
    expect(d.writeback).toBeNull()
  })

  it('the agreed time said again by someone else is recorded; another time still goes to a person', () => {
    // the partner proposed tomorrow afternoon; the executor answered; the case passed it on
    const proposed = decideMessage(partnerSays({ window: said('明天下午两点到五点'), openCases: [kase({ state: 'requested', awaiting: null })] }))
    expect(proposed.appointment).toMatchObject({ agreed: false, start: '2026-11-21T14:00:00+08:00' })
    const answered = decideMessage(
      customerSays({ label: 'appointment', intent: 'appointment', window: said('明天下午可以'), openCases: [kase({ state: 'waiting_executor', awaiting: 'appointment', appointment: proposed.appointment })] }),
    )
    expect(answered.appointment).toMatchObject({ agreed: true })
    const agreed = kase({ state: 'waiting_partner', awaiting: null, appointment: answered.appointment })
    for (const again of ['明天下午在', '下午我在的', '周六下午，我跟她说过了']) {
      const d = decideMessage(customerSays({ label: 'appointment', intent: 'appointment', window: said(again, evening), openCases: [agreed] }))
      expect(d.mode, again).toBe('record_only')
    }
    for (const other of ['那改周日上午吧', '明天上午在', '周一下午', '下午3点']) {
      const d = decideMessage(customerSays({ label: 'appointment', intent: 'appointment', window: said(other, evening), openCases: [agreed] }))
      expect(d.mode, other).toBe('needs_person')
    }
    // "下午我在的" in the morning of the day before is today's afternoon: not the agreed one
    expect(decideMessage(customerSays({ label: 'appointment', intent: 'appointment', window: said('下午我在的'), openCases: [agreed] })).mode).toBe('needs_person')
    // asking about the agreed time is still a question
    const asked = decideMessage(customerSays({ label: 'appointment', intent: 'appointment', asks: true, window: said('明天下午吗'), openCases: [agreed] }))
    expect(asked.mode).not.toBe('record_only')
  })

  it("a partner's own plan on the agreed time is not read as a request to the customer", () => {
    const agreed = kase({ state: 'waiting_partner', awaiting: null, appointment: { start: '2026-11-21T14:00:00+08:00', end: '2026-11-21T17:00:00+08:00', agreed: true } })
    const scores = [
      { label: 'partner_status', p: 0.7 },
      { label: 'partner_request', p: 0.3 },
    ]
    const ownPlan = decideMessage(partnerSays({ intent: 'unknown', label: 'partner_status', confidence: 0.7, scores, window: said('明天下午3点到，带泵过去'), openCases: [agreed] }))
    expect(ownPlan.mode).toBe('record_only')
    const newTime = decideMessage(partnerSays({ intent: 'unknown', label: 'partner_status', confidence: 0.7, scores, window: said('后天上午过去'), openCases: [agreed] }))
    expect(newTime.mode).toBe('review_before_send')
  })

  it('words said to a family member are not an answer to the team, unless they name a matter', () => {
    const waitingForTime = kase({ state: 'waiting_executor', awaiting: 'appointment', missingItems: ['方便上门的日期和时段'] })
    const relayed = decideMessage(customerSays({ toFamily: true, window: said('下午一点到三点'), openCases: [waitingForTime] }))
    expect(relayed).toMatchObject({ mode: 'record_only', transition: null, writeback: null, draft: null })
    const hazard = decideMessage(customerSays({ toFamily: true, signals: ['safety'], riskFlags: ['safety'] }))
    expect(hazard.mode).toBe('needs_person')
  })

  it('a question while a time is being arranged is not the answer', () => {
    const waitingForTime = kase({ state: 'waiting_executor', awaiting: 'appointment', missingItems: ['方便上门的日期和时段'] })
    const d = decideMessage(customerSays({ label: 'appointment', intent: 'appointment', asks: true, window: said('周二上午'), openCases: [waitingForTime] }))
    expect(d).toMatchObject({ mode: 'needs_person', transition: null, writeback: null, draft: null })
  })

  it('chatter that outweighs the readings needing a person stays chatter; a close call goes to a person', () => {
    const chatter = decideMessage(
      customerSays({
        confidence: 0.75,
        scores: [
          { label: 'chit_chat', p: 0.75 },
          { label: 'complaint', p: 0.12 },
          { label: 'needs_person', p: 0.1 },
        ],
      }),
    )
    expect(chatter.mode).toBe('record_only')
    const close = decideMessage(
      customerSays({
        confidence: 0.6,
        scores: [
          { label: 'chit_chat', p: 0.6 },
          { label: 'complaint', p: 0.25 },
        ],
      }),
    )
    expect(close.mode).toBe('needs_person')
  })

  it('a "promise" with a time that may well be the answer is taken as the answer, for review', () => {
    const waitingForTime = kase({ state: 'waiting_executor', awaiting: 'appointment', missingItems: ['方便上门的日期和时段'] })
    const scores = [
      { label: 'promise_later', p: 0.55 },
      { label: 'appointment', p: 0.35 },
    ]
    const d = decideMessage(customerSays({ label: 'promise_later', intent: 'unknown', confidence: 0.55, scores, window: said('after 4pm'), openCases: [waitingForTime] }))
    expect(d).toMatchObject({ mode: 'review_before_send', draft: { category: 'appointment_confirmed' } })
    // a plain promise ("晚上回去问问她") stays a promise
    const promise = decideMessage(
      customerSays({
        label: 'promise_later',
        intent: 'unknown',
        confidence: 0.9,
        scores: [
          { label: 'promise_later', p: 0.9 },
          { label: 'appointment', p: 0.05 },
        ],
        window: said('晚上'),
        openCases: [waitingForTime],
      }),
    )
    expect(promise.mode).toBe('record_only')
  })

  it('chatter read as a time answer only by context is never sent on its own', () => {
    const waitingForTime = kase({ state: 'waiting_executor', awaiting: 'appointment', missingItems: ['方便上门的日期和时段'] })
    const d = decideMessage(customerSays({ label: 'chit_chat', intent: 'chit_chat', confidence: 0.99, window: said('OK 周六十点'), openCases: [waitingForTime] }))
    expect(d.draft?.category).toBe('appointment_confirmed')
    expect(d.mode).toBe('review_before_send')
  })

  it('a guessed answer moves nothing and tells the partner nothing until a person approves the reply', () => {
    const waitingForTime = kase({ state: 'waiting_executor', awaiting: 'appointment', missingItems: ['方便上门的日期和时段'] })
    const d = decideMessage(customerSays({ label: 'chit_chat', intent: 'chit_chat', confidence: 0.7, window: said('收到 礼拜六叫几个工人搬'), openCases: [waitingForTime] }))
    expect(d).toMatchObject({ mode: 'review_before_send', transition: null, items: null, appointment: null, writeback: null })
    expect(d.draft?.riskFlags).toContain('context_guess')
    // what the approval does: the case moves, the time is agreed, the partner hears back
    expect(d.draft?.onApproval).toMatchObject({
      transition: { to: 'material_received' },
      items: { missing: [], received: ['方便上门的日期和时段'], awaiting: null },
      appointment: { agreed: true },
      writeback: 'appointment_confirmed',
    })
    // a pleased remark taken for the job done, likewise
    const scores = [
      { label: 'chit_chat', p: 0.76 },
      { label: 'completion_claim', p: 0.12 },
    ]
    const done = decideMessage(customerSays({ confidence: 0.76, scores, proofRuleFor: () => 'confirmation', openCases: [kase({ state: 'waiting_customer_material', awaiting: null })] }))
    expect(done).toMatchObject({ mode: 'review_before_send', transition: null, writeback: null, draft: { category: 'completion_confirmation', onApproval: { writeback: 'completion_confirmed' } } })
    // the model's own reading of an answer moves the case at once, as before
    const sure = decideMessage(customerSays({ label: 'appointment', intent: 'appointment', confidence: 0.95, window: said('周六上午可以'), openCases: [waitingForTime] }))
    expect(sure).toMatchObject({ transition: { to: 'material_received' }, writeback: 'appointment_confirmed' })
    expect(sure.draft?.onApproval).toBeUndefined()
  })

  it('sure chatter naming only today or a part of the day is not taken for the time answer; a clock, another day or an unsure reading still is', () => {
    const waitingForTime = kase({ state: 'waiting_executor', awaiting: 'appointment', missingItems: ['方便上门的日期和时段'] })
    const chatter = (text: string, confidence = 0.97) =>
      decideMessage(customerSays({ label: 'chit_chat', intent: 'chit_chat', confidence, scores: [{ label: 'chit_chat', p: confidence }], window: said(text), openCases: [waitingForTime] }))
    for (const text of ['今天出太阳了 我去公园走一圈', '大家辛苦，晚上留下吃个饭', '早上好']) {
      const d = chatter(text)
      expect(d.mode, text).toBe('record_only')
      expect(d.draft, text).toBeNull()
    }
    for (const text of ['好的 周六见', '晓得了 七点到']) expect(chatter(text).draft?.category, text).toBe('appointment_confirmed')
    // an unsure reading of a bare part of the day: the context may well be right
    expect(chatter('俺下午能请假 俺跟海燕一块去', 0.53).draft?.category).toBe('appointment_confirmed')
  })

  it('a sure progress question is answered directly only when no reading that needs a person is in sight', () => {
    const waitingPartner = [kase({ state: 'waiting_partner', awaiting: null })]
    const calm = decideMessage(
      customerSays({
        label: 'progress_question',
        intent: 'progress_question',
        confidence: 0.9,
        openCases: waitingPartner,
        scores: [
          { label: 'progress_question', p: 0.9 },
          { label: 'chit_chat', p: 0.1 },
        ],
      }),
    )
    expect(calm.mode).toBe('send_direct')
    const impatient = decideMessage(
      customerSays({
        label: 'progress_question',
        intent: 'progress_question',
        confidence: 0.84,
        openCases: waitingPartner,
        scores: [
          { label: 'progress_question', p: 0.84 },
          { label: 'complaint', p: 0.16 },
        ],
      }),
    )
    expect(impatient.mode).toBe('review_before_send')
  })

  it('a question about the time while nothing waits for a time is a progress question', () => {
    const d = decideMessage(customerSays({ label: 'appointment', intent: 'appointment', asks: true, openCases: [kase({ state: 'waiting_partner', awaiting: null })] }))
    expect(d.draft?.category).toBe('progress_reply')
  })

  it('while a person handles a dispute on the case, unsure chatter goes to that person; sure chatter stays silent', () => {
    const dispute = [kase({ state: 'waiting_partner', awaiting: null, needsPerson: true })]
    const unsure = decideMessage(
      customerSays({
        confidence: 0.55,
        scores: [
          { label: 'chit_chat', p: 0.55 },
          { label: 'complaint', p: 0.1 },
        ],
        openCases: dispute,
      }),
    )
    expect(unsure).toMatchObject({ mode: 'needs_person', attention: { reasons: ['open_matter'] } })
    expect(
      decideMessage(
        customerSays({
          confidence: 0.55,
          scores: [
            { label: 'chit_chat', p: 0.55 },
            { label: 'complaint', p: 0.1 },
          ],
        }),
      ).mode,
    ).toBe('record_only')
    expect(decideMessage(customerSays({ confidence: 0.9, openCases: dispute })).mode).toBe('record_only')
  })

  it('on an open case, a pleased remark that may be a completion is the customer confirming it', () => {
    const doing = [kase({ state: 'waiting_partner', awaiting: null })]
    const scores = [
      { label: 'chit_chat', p: 0.76 },
      { label: 'completion_claim', p: 0.12 },
    ]
    const d = decideMessage(customerSays({ confidence: 0.76, scores, openCases: doing }))
    expect(d).toMatchObject({ mode: 'review_before_send', draft: { category: 'completion_confirmation' } })
    // while the customer side still owes something it is their part done: the proof is asked for, for review
    expect(decideMessage(customerSays({ confidence: 0.76, scores })).mode).toBe('review_before_send')
    // with no open case the same words are chatter, and so is a remark with no completion in it
    expect(decideMessage(customerSays({ confidence: 0.76, scores, openCases: [] })).mode).toBe('record_only')
    expect(decideMessage(customerSays({ confidence: 0.9, scores: [{ label: 'chit_chat', p: 0.9 }], openCases: doing })).mode).toBe('record_only')
  })

  it('a question read as chit-chat without near certainty goes to a person; a sure one stays chatter', () => {
    const unsure = decideMessage(
      customerSays({
        asks: true,
        confidence: 0.6,
        scores: [
          { label: 'chit_chat', p: 0.6 },
          { label: 'progress_question', p: 0.15 },
        ],
      }),
    )
    expect(unsure).toMatchObject({ mode: 'needs_person', attention: { reasons: ['unclear'] } })
    expect(decideMessage(customerSays({ asks: true, confidence: 0.95 })).mode).toBe('record_only')
    expect(
      decideMessage(
        customerSays({
          asks: false,
          confidence: 0.6,
          scores: [
            { label: 'chit_chat', p: 0.6 },
            { label: 'progress_question', p: 0.15 },
          ],
        }),
      ).mode,
    ).toBe('record_only')
  })

  it('words that call a staff member or partner by name, read as chit-chat without near certainty, go to a person', () => {
    const unsure = { confidence: 0.65, scores: [{ label: 'chit_chat', p: 0.65 }] } as const
    expect(decideMessage(customerSays({ ...unsure, toTeam: true }))).toMatchObject({ mode: 'needs_person', attention: { reasons: ['unclear'] } })
    expect(decideMessage(customerSays({ ...unsure, toTeam: false })).mode).toBe('record_only')
    // "小李师傅，过年好": sure chatter stays chatter
    expect(decideMessage(customerSays({ toTeam: true, confidence: 0.97 })).mode).toBe('record_only')
    // in a public group too ("老板 五一有冇阳朔三天的团"), where an unsure question alone is let be
    const pub = { ...unsure, channel: 'public_customer', groupCustomers: [] } as const
    expect(decideMessage(customerSays({ ...pub, toTeam: true }))).toMatchObject({ mode: 'needs_person', attention: { reasons: ['unclear', 'public_group'] } })
    expect(decideMessage(customerSays({ ...pub, asks: true })).mode).toBe('record_only')
  })

  it('a promise to send the photos later moves nothing and tells nobody', () => {
    const d = decideMessage(customerSays({ label: 'promise_later', intent: 'unknown', window: said('明天下午') }))
    expect(d).toMatchObject({ mode: 'record_only', transition: null, writeback: null, draft: null })
  })
})

describe('requested items, one by one', () => {
  const twoItems = kase({ missingItems: ['购买发票或凭证的照片', '故障视频'] })

  it('one photo for two requested items satisfies one; the partner is not told everything arrived', () => {
    const d = decideMessage(customerSays({ type: 'image', label: 'material_provided', intent: 'material_provided', openCases: [twoItems] }))
    expect(d.transition).toBeNull()
    expect(d.writeback).toBeNull()
    expect(d.items).toEqual({ missing: ['故障视频'], received: ['购买发票或凭证的照片'], awaiting: 'material' })
    expect(d.draft).toMatchObject({ category: 'material_partial', items: ['故障视频'] })
  })

  it('the last missing item moves the case and writes back what arrived', () => {
    const d = decideMessage(customerSays({ type: 'image', label: 'material_provided', intent: 'material_provided', openCases: [kase({ missingItems: ['故障视频'], receivedItems: ['购买发票或凭证的照片'] })] }))
    expect(d.transition?.to).toBe('material_received')
    expect(d.writeback).toBe('material_received')
    expect(d.items).toEqual({ missing: [], received: ['购买发票或凭证的照片', '故障视频'], awaiting: null })
  })

  it("a partner request asks for what the partner asked for, not the service type's default list", () => {
    const d = decideMessage(partnerSays({ requestedItems: ['购买发票或凭证的照片', '故障视频'], openCases: [kase({ state: 'requested', awaiting: null })] }))
    expect(d.draft).toMatchObject({ category: 'material_request', items: ['购买发票或凭证的照片', '故障视频'] })
    expect(d.items).toEqual({ missing: ['购买发票或凭证的照片', '故障视频'], received: [], awaiting: 'material' })
    expect(d.mode).toBe('review_before_send')
  })

  it('a partner asking the customer to confirm a time reaches the customer as an appointment request', () => {
    const d = decideMessage(partnerSays({ window: said('明天下午'), openCases: [kase({ state: 'requested', awaiting: null })] }))
    expect(d.draft?.category).toBe('appointment_request')
    expect(d.transition?.to).toBe('waiting_executor')
    expect(d.items?.awaiting).toBe('appointment')
  })
})

describe('cases and orders', () => {
  it("a second order of the same customer opens that order's own case instead of joining the first", () => {
    const d = decideMessage(partnerSays({ refs: { caseIds: [], orderNumbers: ['AJ20261118-5521'], customerKeys: ['zhang'] }, openCases: [kase()] }))
    expect(d.caseChoice).toEqual({ kind: 'open', customerKey: 'zhang', serviceType: 'after_sales', partnerKey: 'anxin', orderNo: 'AJ20261118-5521' })
  })

  it('the order named picks its case among the customer’s open cases', () => {
    const second = kase({ id: 8, orderNo: 'AJ20261118-5521' })
    const d = decideMessage(partnerSays({ refs: { caseIds: [], orderNumbers: ['AJ20261118-5521'], customerKeys: ['zhang'] }, openCases: [kase(), second] }))
    expect(d.caseChoice).toEqual({ kind: 'existing', caseId: 8 })
  })

  it('a customer asking about an order that has no open case is not answered from another case', () => {
    const d = decideMessage(customerSays({ label: 'progress_question', intent: 'progress_question', refs: { caseIds: [], orderNumbers: ['AJ20261118-5521'], customerKeys: ['zhang'] } }))
    expect(d.caseChoice).toEqual({ kind: 'none' })
    expect(d.mode).toBe('needs_person')
  })
})

describe('which case a remark is filed with', () => {
  const later = new Date(at.getTime() + 3600_000)
  const two = [kase(), kase({ id: 8, orderNo: 'AJ20261118-5521', partnerKey: 'other', stateEnteredAt: later })]

  it('a note naming a customer with two open cases is filed with the one that moved last; a request still goes to a person', () => {
    const note = decideMessage(
      customerSays({
        channel: 'internal',
        talkerRole: 'handler',
        intent: 'internal_note',
        label: 'internal_note',
        groupCustomers: [],
        referencedCustomers: [zhang],
        refs: { caseIds: [], orderNumbers: [], customerKeys: ['zhang'] },
        openCases: two,
      }),
    )
    expect(note.caseChoice).toEqual({ kind: 'existing', caseId: 8 })
    const request = decideMessage(partnerSays({ partnerKey: null, openCases: two, refs: { caseIds: [], orderNumbers: [], customerKeys: ['zhang'] } }))
    expect(request.mode).toBe('needs_person')
    expect(request.caseChoice).toEqual({ kind: 'uncertain', candidates: [7, 8] })
  })

  it('a remark about no particular case is not filed with the case the group last talked about', () => {
    const status = { intent: 'unknown', scores: [{ label: 'partner_status', p: 0.9 }], refs: { caseIds: [], orderNumbers: [], customerKeys: [] }, referencedCustomers: [], contextCaseId: 7 } as const
    expect(decideMessage(partnerSays({ ...status, label: 'partner_status', confidence: 0.9 })).caseChoice).toEqual({ kind: 'existing', caseId: 7 })
    expect(decideMessage(partnerSays({ ...status, label: 'partner_general', confidence: 0.6, scores: [{ label: 'partner_general', p: 0.6 }] })).caseChoice).toEqual({ kind: 'none' })
    const internal = { channel: 'internal', talkerRole: 'handler', intent: 'internal_note', groupCustomers: [], contextCaseId: 7 } as const
    expect(decideMessage(customerSays({ ...internal, label: 'internal_note' })).caseChoice).toEqual({ kind: 'existing', caseId: 7 })
    expect(decideMessage(customerSays({ ...internal, label: 'internal_general' })).caseChoice).toEqual({ kind: 'none' })
  })

  it("a partner's team-wide move of booked jobs goes to a person, filed with no case", () => {
    // "彭工下周二请假，工单顺延": no order named, but every customer booked that day must be told
    const moved = {
      intent: 'unknown',
      label: 'partner_general',
      confidence: 0.9,
      scores: [{ label: 'partner_general', p: 0.9 }],
      refs: { caseIds: [], orderNumbers: [], customerKeys: [] },
      referencedCustomers: [],
      contextCaseId: 7,
    } as const
    expect(decideMessage(partnerSays({ ...moved, signals: ['schedule_change'], riskFlags: ['schedule_change'] }))).toMatchObject({
      mode: 'needs_person',
      caseChoice: { kind: 'none' },
      attention: { reasons: ['schedule_change'] },
    })
    expect(decideMessage(partnerSays(moved))).toMatchObject({ mode: 'record_only', caseChoice: { kind: 'none' } })
    // read as a request, it is still not drafted for the case the group last talked about
    const asRequest = {
      ...moved,
      intent: 'partner_request',
      label: 'partner_request',
      scores: [{ label: 'partner_request', p: 0.9 }],
      signals: ['schedule_change'],
      riskFlags: ['schedule_change', 'missing_context'],
    } as const
    expect(decideMessage(partnerSays(asRequest))).toMatchObject({ mode: 'needs_person', caseChoice: { kind: 'none' }, draft: null })
  })

  it('a crew at the door who cannot get in, read as their own status, still reaches a person', () => {
    const status = { intent: 'unknown', label: 'partner_status', confidence: 0.9, scores: [{ label: 'partner_status', p: 0.9 }] } as const
    expect(decideMessage(partnerSays({ ...status, signals: ['access_blocked'], riskFlags: ['access_blocked'] }))).toMatchObject({
      mode: 'needs_person',
      attention: { reasons: ['access_blocked'] },
    })
    expect(decideMessage(partnerSays(status)).mode).toBe('record_only')
  })

  it("a customer's own words in a public group are filed with their case but read like any member's", () => {
    // small talk stays small talk, filed with their case
    const chatter = decideMessage(customerSays({ channel: 'public_customer', groupCustomers: [], confidence: 0.95, openCases: [kase({ state: 'waiting_partner' })], speakerCustomer: zhang }))
    expect(chatter).toMatchObject({ mode: 'record_only', caseChoice: { kind: 'existing', caseId: 7 } })
    // a pleased remark that may confirm their job ("暖气片都热了，谢谢你们了") is for a person to
    // answer in front of everyone, as their own group's would be a completion draft
    const pleased = {
      channel: 'public_customer',
      groupCustomers: [],
      confidence: 0.7,
      scores: [
        { label: 'chit_chat', p: 0.7 },
        { label: 'completion_claim', p: 0.25 },
      ],
      openCases: [kase({ state: 'waiting_partner' })],
    } as const
    const theirs = decideMessage(customerSays({ ...pleased, speakerCustomer: zhang }))
    expect(theirs).toMatchObject({ mode: 'needs_person', attention: { reasons: ['public_group'] }, caseChoice: { kind: 'existing', caseId: 7 } })
    // a member nobody knows is filed with nobody's case, and has no job to confirm
    expect(decideMessage(customerSays({ ...pleased, openCases: [], speakerCustomer: null }))).toMatchObject({ mode: 'record_only', caseChoice: { kind: 'none' } })
    // a matter is still a matter, and now the case shows it
    const matter = decideMessage(customerSays({ ...pleased, speakerCustomer: zhang, signals: ['damage'], riskFlags: ['damage'] }))
    expect(matter.mode).toBe('needs_person')
    expect(matter.caseChoice).toEqual({ kind: 'existing', caseId: 7 })
  })

  it('opens the case of a known customer whose matter in the public group finds none open', () => {
    const complaint = { channel: 'public_customer', groupCustomers: [], openCases: [], intent: 'complaint', label: 'complaint', confidence: 0.9, scores: [{ label: 'complaint', p: 0.9 }] } as const
    const known = decideMessage(customerSays({ ...complaint, speakerCustomer: zhang, refs: { ...customerSays().refs, orderNumbers: ['AJ20261118-5521'] } }))
    expect(known.mode).toBe('needs_person')
    expect(known.caseChoice).toEqual({ kind: 'open', customerKey: 'zhang', serviceType: 'after_sales', partnerKey: null, orderNo: 'AJ20261118-5521' })
    // small talk opens nothing, and a member nobody knows gets no case
    expect(decideMessage(customerSays({ ...complaint, speakerCustomer: zhang, intent: 'chit_chat', label: 'chit_chat', scores: [{ label: 'chit_chat', p: 0.9 }] })).caseChoice).toEqual({ kind: 'none' })
    expect(decideMessage(customerSays({ ...complaint, speakerCustomer: null })).caseChoice).toEqual({ kind: 'none' })
  })
})

describe('what is recorded', () => {
  it('staff messages are recorded and never answered', () => {
    expect(decideMessage(customerSays({ talkerRole: 'handler', signals: ['complaint'] })).mode).toBe('record_only')
    expect(decideMessage(customerSays({ channel: 'internal', talkerRole: 'handler', intent: 'internal_note', label: 'internal_note' })).mode).toBe('record_only')
  })

  it('in a public group a question goes to a person, never a template', () => {
    const d = decideMessage(customerSays({ channel: 'public_customer', label: 'progress_question', intent: 'progress_question' }))
    expect(d.mode).toBe('needs_person')
    expect(d.attention?.reasons).toContain('public_group')
  })
})
