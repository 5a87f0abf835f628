import { describe, expect, it } from 'vitest'
import { loadKnowledge } from '../../src/config/load-knowledge.js'
import { composeCustomerDraft } from '../../src/domain/composer.js'
import { checkLeak, describeHits, type LeakContext } from '../../src/domain/leak-guard.js'
import { TEMPLATE_CATEGORIES } from '../../src/domain/knowledge.js'

const knowledge = loadKnowledge('config/knowledge')
const timeZone = 'Asia/Shanghai'
const ctx: LeakContext = {
  forbiddenNames: ['李师傅', '安心安装服务', '王小美'],
  allowedPhones: ['13800001234'],
  allowedIds: [],
  allowedLinkHosts: ['baton.example.cn'],
  internalJargon: knowledge.guard.internalJargon,
  forbiddenCommitments: knowledge.guard.forbiddenCommitments,
}
const kinds = (text: string) => checkLeak(text, ctx).hits.map((h) => h.kind)

describe('leak guard', () => {
  it.each([
    ['李师傅明天上午到', ['name']],
    ['安心安装服务会联系您', ['name']],
    ['有问题请打13912345678', ['phone']],
    ['有问题请打 139-1234-5678', ['phone']],
    ['有问题请打１３９１２３４５６７８', ['phone']],
    ['座机 021-87654321', ['phone']],
    ['身份证 11010519491231002X 已登记', ['id_number']],
    ['银行卡 6222021234567890123', ['id_number']],
    ['补偿您¥100', ['commitment', 'money']],
    ['退您100元', ['money']],
    ['给您五百块钱', ['money']],
    ['RMB 50 的券', ['money']],
    ['工单池已经派单', ['jargon', 'jargon']],
    ['详情见 http://evil.example.com/x', ['link']],
    ['详情见 bit.ly/abc', ['link']],
    ['我们保证明天一定修好', ['commitment', 'commitment']],
    ['您好\u200b，已收到', ['invisible_char']],
    ['您好\u202e，已收到', ['invisible_char']],
  ])('%s → %j', (text, expected) => expect(kinds(text).sort()).toEqual([...expected].sort()))

  it.each([
    '您好，张先生！资料我们已经收到，会尽快核对。',
    '您的电话13800001234已登记', // the customer's own number
    '详情见 https://baton.example.cn/help',
    '包裹已经寄出',
    '订单DD20261101001已处理',
  ])('lets %j through', (text) => expect(checkLeak(text, ctx)).toEqual({ ok: true, hits: [] }))

  it('summarises hits for logs without their content', () => {
    expect(describeHits(checkLeak('李师傅 13912345678 13912345679', ctx).hits)).toBe('name×1, phone×2')
  })
})

describe('approved knowledge and the composer', () => {
  const facts = {
    contact_name: '张先生',
    executor_name: '张太太',
    service_label: '售后服务',
    items: '安装位置的照片',
    feedback_window: '24小时',
    progress: '资料已收到',
    case_id: '7',
    order_no: 'DD1',
    what: '已提供资料',
    order_status: '已发货，顺丰速运，预计明天送达',
    answer: '商品签收后7天内可以申请无理由退货。',
    // labels.appointmentAsk.proposed with a time, as case-facts-text fills it
    appointment_ask: '师傅计划11月28日（周六）09:00–12:00上门，这个时间您方便吗？如不方便，麻烦回复您方便的日期和时段，',
  }
  const now = new Date('2026-11-25T10:00:00Z')

  it('every category has approved wording, and all of it passes the leak guard', () => {
    for (const category of TEMPLATE_CATEGORIES) {
      const out = composeCustomerDraft({ category, serviceType: 'after_sales', facts, now, timeZone }, knowledge)
      expect(out.ok, category).toBe(true)
      if (out.ok) expect(checkLeak(out.text, ctx), `${category}: ${out.text}`).toEqual({ ok: true, hits: [] })
    }
  })

  it('every shipped policy and campaign answer passes the leak guard in its template', () => {
    expect(knowledge.entries.length).toBeGreaterThan(0)
    for (const e of knowledge.entries) {
      const out = composeCustomerDraft({ category: 'knowledge_answer', serviceType: 'after_sales', facts: { ...facts, answer: e.answer }, now, timeZone }, knowledge)
      expect(out.ok && checkLeak(out.text, ctx), e.id).toEqual({ ok: true, hits: [] })
    }
  })

  it('puts the time a partner proposed into a request for items, and words it plainly without one', () => {
    const timed = { ...facts, proposed_time: '11月28日（周六）09:00–12:00' }
    for (const category of ['coordination_request', 'material_request'] as const) {
      const withTime = composeCustomerDraft({ category, serviceType: 'after_sales', facts: timed, now, timeZone }, knowledge)
      expect(withTime.ok && withTime.templateId, category).toBe(`${category.replace('_', '-')}-timed`)
      expect(withTime.ok && withTime.text, category).toContain('师傅计划11月28日（周六）09:00–12:00上门')
      expect(withTime.ok && checkLeak(withTime.text, ctx), category).toEqual({ ok: true, hits: [] })
      const plain = composeCustomerDraft({ category, serviceType: 'after_sales', facts, now, timeZone }, knowledge)
      expect(plain.ok && plain.templateId, category).toBe(category.replace('_', '-'))
    }
  })

  it('refuses to leave a hole when a fact is missing', () => {
    expect(composeCustomerDraft({ category: 'coordination_request', serviceType: 'after_sales', facts: { ...facts, executor_name: undefined }, now, timeZone }, knowledge)).toEqual({
      ok: false,
      code: 'missing_fact',
      detail: 'coordination-request needs executor_name, executor_name',
    })
  })

  it('uses campaign wording only inside its dates, and specific wording over generic', () => {
    const k = {
      ...knowledge,
      templates: [
        ...knowledge.templates,
        { id: 'promo', version: 1, category: 'generic_reply' as const, serviceTypes: ['after_sales' as const], text: '双11专属回复', validFrom: '2026-11-01', validTo: '2026-11-11', hash: 'h', file: 'x' },
      ],
    }
    const pick = (d: string, tz = timeZone) => composeCustomerDraft({ category: 'generic_reply', serviceType: 'after_sales', facts, now: new Date(d), timeZone: tz }, k)
    expect(pick('2026-11-10T00:00:00Z')).toMatchObject({ ok: true, templateId: 'promo' })
    expect(pick('2026-11-25T00:00:00Z')).toMatchObject({ ok: true, templateId: 'generic-reply' })
    // the dates are the tenant's calendar days: 00:30 on the 12th in Shanghai is still the 11th in UTC
    expect(pick('2026-11-11T15:30:00Z')).toMatchObject({ ok: true, templateId: 'promo' })
    expect(pick('2026-11-11T16:30:00Z')).toMatchObject({ ok: true, templateId: 'generic-reply' })
    expect(pick('2026-11-11T16:30:00Z', 'UTC')).toMatchObject({ ok: true, templateId: 'promo' })
    // and 23:30 on Oct 31 in UTC is already Nov 1 in Shanghai: the campaign has begun
    expect(pick('2026-10-31T16:30:00Z')).toMatchObject({ ok: true, templateId: 'promo' })
  })
})
