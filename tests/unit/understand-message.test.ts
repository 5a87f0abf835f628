import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { lexiconSchema, loadLexicon } from '../../src/config/lexicon-schema.js'
import { INTENTS, type Channel, type Intent, type MessageType, type RiskFlag, type TalkerRole } from '../../src/domain/types.js'
import {
  compileLexicon,
  findTerm,
  normalizeText,
  prepareText,
  segmentWords,
  understandMessage,
  type CustomerRef,
  type References,
  type UnderstandInput,
} from '../../src/domain/understanding/index.js'

interface Row {
  text: string
  type?: MessageType
  channel: Channel
  role: TalkerRole
  intent: Intent
  flags: RiskFlag[]
  refs?: Partial<References>
}

const TEXT_FLAGS: readonly RiskFlag[] = ['commitment', 'compensation', 'complaint', 'privacy', 'sensitive_claim', 'verification_conflict', 'missing_context']
const lexicon = compileLexicon(loadLexicon('config/lexicon.yaml'))
const customers: CustomerRef[] = [
  { key: 'zhang', name: '张先生', aliases: ['老张', '张总'], orderNumbers: ['DD20261125001'], phoneTail: '1234' },
  { key: 'li', name: '李女士', aliases: ['李姐', 'Ms Li'], orderNumbers: ['DD20261125002'], phoneTail: '5678' },
  { key: 'wang', name: '王建国', aliases: ['王工'], orderNumbers: [], phoneTail: '9012' },
]
const rows = parse(readFileSync('tests/fixtures/messages.yaml', 'utf8')) as Row[]
/**
 * Rows whose label the lexicon does not reach, on purpose. "这是铭牌的照片" would need "这是" as a
 * material word, and a false material_provided sends "material received" and moves the case, while
 * a miss is only recorded for a person. Fix one and the test asks you to take it off this list.
 */
const KNOWN_MISSES: ReadonlySet<string> = new Set(['这是铭牌的照片'])

const understand = (text: string, more: Partial<UnderstandInput> = {}) =>
  understandMessage({ text, type: 'text', channel: 'customer', talkerRole: 'customer_contact', mentionIds: [], ...more }, lexicon, { customers })
const run = (r: Row) => understand(r.text, { type: r.type ?? 'text', channel: r.channel, talkerRole: r.role })
const label = (r: Row) => `${r.channel}/${r.role}: ${r.text || `(${r.type})`}`

describe('understanding a message: the labelled fixture', () => {
  it('has at least 70 rows, every intent and every text-level risk flag several times', () => {
    expect(rows.length).toBeGreaterThanOrEqual(70)
    for (const intent of INTENTS) expect(rows.filter((r) => r.intent === intent).length, intent).toBeGreaterThanOrEqual(3)
    for (const flag of TEXT_FLAGS) expect(rows.filter((r) => r.flags.includes(flag)).length, flag).toBeGreaterThanOrEqual(3)
  })

  it('reports the intent accuracy (the lead tracks this figure)', () => {
    const misses = rows.filter((r) => run(r).intent !== r.intent)
    const accuracy = (rows.length - misses.length) / rows.length
    console.log(`understandMessage intent accuracy: ${rows.length - misses.length}/${rows.length} = ${(accuracy * 100).toFixed(1)}%`)
    for (const r of misses) console.log(`  miss: ${label(r)} → ${run(r).intent} (expected ${r.intent})`)
    expect(accuracy).toBeGreaterThanOrEqual(0.95)
    expect(misses.map((r) => r.text).filter((t) => !KNOWN_MISSES.has(t))).toEqual([])
  })

  // risk flags and references must be exact on every row, intents on every row but the known misses
  it.each(rows.map((r) => [label(r), r] as const))('%s', (_label, r) => {
    const u = run(r)
    if (KNOWN_MISSES.has(r.text)) expect(u.intent, 'now understood: remove it from KNOWN_MISSES').not.toBe(r.intent)
    else expect(u.intent).toBe(r.intent)
    expect([...u.riskFlags].sort()).toEqual([...r.flags].sort())
    for (const [key, value] of Object.entries(r.refs ?? {})) expect([...u.references[key as keyof References]].sort(), key).toEqual([...value].sort())
    expect(u.confidence).toBeGreaterThanOrEqual(0)
    expect(u.confidence).toBeLessThanOrEqual(1)
  })
})

describe('references', () => {
  it('finds case ids, order numbers, phone tails, customers, mentions and links together', () => {
    const u = understand('案件#12 和 #13：老张（尾号5678）订单dd20261125001 见 https://x.example.com/A?b=1，谢谢', { channel: 'partner', talkerRole: 'partner', mentionIds: ['wx-1'] })
    expect(u.references).toEqual({
      caseIds: [12, 13],
      orderNumbers: ['DD20261125001'],
      customerKeys: ['zhang', 'li'],
      phoneTails: ['5678'],
      mentionIds: ['wx-1'],
      links: ['https://x.example.com/A?b=1'],
    })
  })

  it('reads each case id form: #12, 案件12, 工单 12, case 12, case no. 12', () => {
    for (const text of ['#12', '案件12', '工单 12', 'Case 12', 'case no. 12', '工单号：12', '＃１２']) expect(understand(text).references.caseIds, text).toEqual([12])
    // an anchor inside a link is not a case, nor is a word that merely ends in "case"
    expect(understand('https://shop.example.com/help#12').references.caseIds).toEqual([])
    expect(understand('showcase 12').references.caseIds).toEqual([])
  })

  it('reads order numbers and phone tails in their common forms, full-width included', () => {
    expect(understand('订单号 123456789').references.orderNumbers).toEqual(['123456789'])
    expect(understand('订单ＤＤ２０２６１１２５００２').references).toMatchObject({ orderNumbers: ['DD20261125002'], customerKeys: ['li'] })
    for (const text of ['尾号1234', '手机尾号 1234', '手机后四位是1234', 'ending 1234', 'ends in 1234']) {
      expect(understand(text).references, text).toMatchObject({ phoneTails: ['1234'], customerKeys: ['zhang'] })
    }
    expect(understand('尾号123456').references.phoneTails).toEqual([])
  })

  it('finds latin aliases as whole words only', () => {
    expect(understand('ms li asked again').references.customerKeys).toEqual(['li'])
    expect(understand('atoms lift').references.customerKeys).toEqual([])
  })

  it('raises missing_context only for a partner request that names no case, order, customer or phone tail', () => {
    expect(understand('让客户补一下发票', { channel: 'partner', talkerRole: 'partner' }).riskFlags).toEqual(['missing_context'])
    expect(understand('@张三 让客户补一下发票', { channel: 'partner', talkerRole: 'partner', mentionIds: ['wx-zhangsan'] }).riskFlags).toEqual(['missing_context'])
    expect(understand('王工让客户补一下发票', { channel: 'partner', talkerRole: 'partner' }).riskFlags).toEqual([])
    expect(understand('让客户补一下发票', { channel: 'internal', talkerRole: 'handler' }).riskFlags).toEqual([])
  })
})

describe('context', () => {
  it('reads the same words as a request from a partner and as a note from staff', () => {
    const text = '麻烦通知客户明天在家等安装，尾号1234'
    expect(understand(text, { channel: 'partner', talkerRole: 'partner' }).intent).toBe('partner_request')
    expect(understand(text, { channel: 'direct', talkerRole: 'partner' }).intent).toBe('partner_request')
    expect(understand(text, { channel: 'internal', talkerRole: 'handler' }).intent).toBe('internal_note')
    expect(understand(text, { channel: 'partner', talkerRole: 'supervisor' }).intent).toBe('internal_note')
  })

  it('knows a question from a claim and a demand from a promise', () => {
    expect(understand('好了').intent).toBe('completion_claim')
    expect(understand('好了吗').intent).toBe('progress_question')
    expect(understand('装好了没').intent).toBe('progress_question')
    expect(understand('不一定能修').riskFlags).toEqual([])
    expect(understand('一定能修好').riskFlags).toEqual(['commitment'])
  })

  it('gives recalled and system messages, and the bot itself, no intent', () => {
    expect(understand('好了', { type: 'recalled' }).intent).toBe('unknown')
    expect(understand('好了', { talkerRole: 'bot' }).intent).toBe('unknown')
  })

  it('reports the terms it matched', () => {
    const u = understand('我要投诉，还要退款')
    expect(u.matchedTerms.intent).toEqual(['投诉'])
    expect(u.matchedTerms.risks).toEqual({ compensation: ['退款'], complaint: ['投诉'] })
  })
})

describe('normalization and word matching', () => {
  it('removes invisible characters, folds full-width forms and case, collapses spaces', () => {
    expect(normalizeText('Ｄｏｎｅ\u200b！\u202e  OK\uFEFF')).toBe('done! ok')
    expect(normalizeText('投\u200d诉')).toBe('投诉')
    expect(normalizeText('退　款 please  ')).toBe('退款 please')
    expect(normalizeText('👍🏻')).toBe('👍')
  })

  it('segments with Intl.Segmenter and matches a one-character term only as a whole word', () => {
    expect(segmentWords('包裹到了吗')).not.toContain('包')
    expect(understand('包裹到了吗').riskFlags).toEqual([])
    expect(understand('包退包换', { channel: 'partner', talkerRole: 'partner' }).riskFlags).toEqual(['commitment'])
  })

  it('matches a multi-token term as a run of tokens, and not across two unrelated words', () => {
    const term = compileLexicon({ intents: { appointment: ['在家'] }, risks: {}, patterns: { caseId: [], orderNumber: [], phoneTail: [], link: [] } }).intents.get('appointment')![0]!
    expect(findTerm(prepareText('明天在家'), term)).toHaveLength(1)
    expect(findTerm(prepareText('现在家里没人'), term)).toHaveLength(0)
  })

  it('matches English terms on word boundaries in any case', () => {
    expect(understand('DONE!').intent).toBe('completion_claim')
    expect(understand('undone').intent).toBe('unknown')
    expect(understand('Any Update?').intent).toBe('progress_question')
  })

  it('rejects a lexicon with an unknown intent or a broken pattern, naming the path', () => {
    const bad = lexiconSchema.safeParse({ intents: { greeting: ['hi'] }, risks: {}, patterns: { caseId: ['(unclosed'] } })
    expect(bad.success).toBe(false)
    const paths = bad.error!.issues.map((i) => i.path.join('.'))
    expect(paths).toContain('patterns.caseId.0')
    expect(bad.error!.issues.some((i) => i.path.join('.') === 'intents' && i.code === 'unrecognized_keys')).toBe(true)
  })
})
