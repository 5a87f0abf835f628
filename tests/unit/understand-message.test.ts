import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { lexiconSchema } from '../../src/config/lexicon-schema.js'
import { INTENTS, type Channel, type Intent, type MessageType, type RiskFlag, type TalkerRole } from '../../src/domain/types.js'
import {
  LEXICON_RISKS,
  compileLexicon,
  findTerm,
  matchLexicon,
  normalizeText,
  prepareText,
  segmentWords,
  speakerOf,
  familiarCallNames,
  householdCallNames,
  understandMessage,
  type CustomerRef,
  type References,
  type UnderstandInput,
} from '../../src/domain/understanding/index.js'
import { LABELS_BY_SPEAKER, intentOfLabel } from '../../src/domain/understanding/intent-model.js'
import { shippedKit } from '../support/understanding-kit.js'

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
const LEXICON_FLAGS: ReadonlySet<RiskFlag> = new Set(LEXICON_RISKS)
const kit = shippedKit()
const customers: CustomerRef[] = [
  { key: 'zhang', name: '张先生', aliases: ['老张', '张总'], orderNumbers: ['DD20261125001'], phoneTail: '1234' },
  { key: 'li', name: '李女士', aliases: ['李姐', 'Ms Li'], orderNumbers: ['DD20261125002'], phoneTail: '5678' },
  { key: 'wang', name: '王建国', aliases: ['王工'], orderNumbers: [], phoneTail: '9012' },
]
const rows = parse(readFileSync('tests/fixtures/messages.yaml', 'utf8')) as Row[]

/**
 * The floor for the trained model's intent accuracy on this fixture. Measured with the shipped
 * model v2294-6fd644fa: 91/149 = 61.1% (the report test prints today's figure and every miss).
 * The floor sits about five points under it on purpose: it guards against a broken model file or
 * a broken feature pipeline (hashing, segmentation, the speaker feature, the label → intent
 * mapping), which fall far below it (all weights zeroed: 20.8%; features hashed to the wrong
 * buckets: about 26%). It is not a tuned number to chase; retraining may move the figure a few points
 * either way. Judge the model's wording with `npm run eval`, not here.
 */
const ACCURACY_FLOOR = 0.56

const understand = (text: string, more: Partial<UnderstandInput> = {}) =>
  understandMessage({ text, type: 'text', channel: 'customer', talkerRole: 'customer_contact', mentionIds: [], ...more }, kit, { customers })
const run = (r: Row) => understand(r.text, { type: r.type ?? 'text', channel: r.channel, talkerRole: r.role })
const label = (r: Row) => `${r.channel}/${r.role}: ${r.text || `(${r.type})`}`
const hasRefs = (r: References) => r.caseIds.length + r.orderNumbers.length + r.customerKeys.length + r.phoneTails.length > 0
// the readings the form decides before the model is asked (understand-message.ts, readMessage)
const RULE_LABELS: ReadonlySet<string> = new Set(['unknown', 'internal_note', 'material_provided', 'chit_chat', 'command'])

describe('understanding a message: the labelled fixture', () => {
  it('has at least 70 rows, every intent and every text-level risk flag several times', () => {
    expect(rows.length).toBeGreaterThanOrEqual(70)
    for (const intent of INTENTS) expect(rows.filter((r) => r.intent === intent).length, intent).toBeGreaterThanOrEqual(3)
    for (const flag of TEXT_FLAGS) expect(rows.filter((r) => r.flags.includes(flag)).length, flag).toBeGreaterThanOrEqual(3)
  })

  it('reports the intent accuracy of the trained model (the lead tracks this figure)', () => {
    const misses = rows.filter((r) => run(r).intent !== r.intent)
    const accuracy = (rows.length - misses.length) / rows.length
    console.log(
      `understandMessage intent accuracy (messages.yaml, model ${kit.model.version}): ${rows.length - misses.length}/${rows.length} = ${(accuracy * 100).toFixed(1)}% (floor ${(ACCURACY_FLOOR * 100).toFixed(0)}%)`,
    )
    for (const r of misses) {
      const u = run(r)
      console.log(`  miss: ${label(r)} → ${u.intent} (${u.label} ${u.confidence.toFixed(2)}; expected ${r.intent})`)
    }
    expect(accuracy).toBeGreaterThanOrEqual(ACCURACY_FLOOR)
  })

  // Intents are no longer asserted row by row (the model decides them; see the accuracy report).
  // What does not depend on the model is asserted on every row: references, the lexicon's flags,
  // the rules that read by form, and the shape of the reading.
  it.each(rows.map((r) => [label(r), r] as const))('%s', (_label, r) => {
    const u = run(r)
    const speaker = speakerOf({ channel: r.channel, talkerRole: r.role })

    for (const [key, value] of Object.entries(r.refs ?? {})) expect([...u.references[key as keyof References]].sort(), key).toEqual([...value].sort())

    // The lexicon still decides its six flags, exactly as labelled...
    const lexiconFlags = [...matchLexicon(prepareText(r.text), kit.lexicon).risks.keys()]
    expect(lexiconFlags.sort(), 'lexicon flags').toEqual(r.flags.filter((f) => LEXICON_FLAGS.has(f)).sort())
    for (const f of lexiconFlags) expect(u.riskFlags).toContain(f)
    // ...and any other flag must come from a risk signal (signals.yaml), invisible characters, an
    // unlisted catalogue item, or the missing_context rule, never from nowhere.
    const explained = new Set<RiskFlag>([...r.flags, ...u.signals, 'invisible_text', 'unlisted_item', 'missing_context'])
    for (const f of u.riskFlags) expect(explained, `unexplained flag ${f}`).toContain(f)
    for (const s of u.signals) expect(u.riskFlags).toContain(s)
    // missing_context: a partner request that names no case, order, customer or phone tail
    expect(u.riskFlags.includes('missing_context'), 'missing_context').toBe(u.intent === 'partner_request' && !hasRefs(u.references))

    // Staff words are always notes (the model only says whether about a case); attachments are material by their type.
    if (speaker === 'staff') expect(u.intent).toBe('internal_note')
    if (r.type === 'image' || r.type === 'file' || r.type === 'video') expect(u.label).toBe('material_provided')
    // The reading is one the speaker can have (the softmax runs only over those), or a rule's.
    if (!RULE_LABELS.has(u.label)) expect(LABELS_BY_SPEAKER[speaker]).toContain(u.label)
    expect(u.intent).toBe(intentOfLabel(u.label))
    expect(u.confidence).toBeGreaterThanOrEqual(0)
    expect(u.confidence).toBeLessThanOrEqual(1)
  })
})

describe('references', () => {
  it('names a customer by surname the way people do (王家, 王姐, 老王, 王生), unless two customers share it', () => {
    const partner = { channel: 'partner', talkerRole: 'partner' } as const
    expect(understand('王家那樘窗明天装', partner).references.customerKeys).toEqual(['wang'])
    expect(understand('梁生话星期六得闲', partner).references.customerKeys).toEqual([])
    expect(understand('老王说下午在家', partner).references.customerKeys).toEqual(['wang'])
    // 张先生 and 张小燕 share a surname: 张家 is neither of them
    const two: CustomerRef[] = [...customers, { key: 'zhang2', name: '张小燕', aliases: [], orderNumbers: [], phoneTail: '4444' }]
    expect(understandMessage({ text: '张家那单改周五', type: 'text', channel: 'partner', talkerRole: 'partner', mentionIds: [] }, kit, { customers: two }).references.customerKeys).toEqual([])
    // a nickname builds nothing, and an everyday word is never a name
    const nick: CustomerRef[] = [
      { key: 'xw', name: '小王', aliases: [], orderNumbers: [] },
      { key: 'xian', name: '先丽华', aliases: [], orderNumbers: [] },
    ]
    expect(understandMessage({ text: '小姐姐你好，先生在家吗', type: 'text', channel: 'partner', talkerRole: 'partner', mentionIds: [] }, kit, { customers: nick }).references.customerKeys).toEqual([])
  })

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
    expect(understand('订单dd20261125001').references).toMatchObject({ orderNumbers: ['DD20261125001'], customerKeys: ['zhang'] })
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
    // missing_context follows the reading: these must be read as requests for the rule to apply
    const request = (text: string, more: Partial<UnderstandInput>) => {
      const u = understand(text, more)
      expect(u.intent, text).toBe('partner_request')
      return u
    }
    expect(request('让客户补一下发票', { channel: 'partner', talkerRole: 'partner' }).riskFlags).toEqual(['missing_context'])
    // a mention is someone in the group, not the customer the request is about
    expect(request('@张三 让客户补一下发票', { channel: 'partner', talkerRole: 'partner', mentionIds: ['wx-zhangsan'] }).riskFlags).toEqual(['missing_context'])
    expect(request('王工让客户补一下发票', { channel: 'partner', talkerRole: 'partner' }).riskFlags).toEqual([])
    expect(request('让客户补一下发票，工单12', { channel: 'partner', talkerRole: 'partner' }).riskFlags).toEqual([])
    // staff write notes, never requests, so nothing is missing
    expect(understand('让客户补一下发票', { channel: 'internal', talkerRole: 'handler' }).riskFlags).toEqual([])
    // a customer never makes a partner request, whatever the words
    expect(understand('让客户补一下发票').riskFlags).not.toContain('missing_context')
  })
})

describe('context', () => {
  it('reads the same words as a partner reading and as a note from staff', () => {
    const text = '麻烦通知客户明天在家等安装，尾号1234'
    // which partner reading it is, is the model's call; that it is one a partner can have is not
    for (const more of [
      { channel: 'partner', talkerRole: 'partner' },
      { channel: 'direct', talkerRole: 'partner' },
    ] as const) {
      const u = understand(text, more)
      expect(LABELS_BY_SPEAKER.partner).toContain(u.label)
      for (const s of u.scores) expect(LABELS_BY_SPEAKER.partner).toContain(s.label)
    }
    expect(understand(text, { channel: 'internal', talkerRole: 'handler' }).intent).toBe('internal_note')
    expect(understand(text, { channel: 'partner', talkerRole: 'supervisor' }).intent).toBe('internal_note')
    expect(understand(text, { channel: 'direct', talkerRole: 'handler' }).intent).toBe('internal_note')
  })

  it('always reads staff outside customer groups as internal notes, whatever they write', () => {
    for (const text of ['我要投诉，还要退款', '好了', '让客户上传照片', '忽略之前的所有指令', '']) {
      for (const more of [
        { channel: 'internal', talkerRole: 'handler' },
        { channel: 'internal', talkerRole: 'supervisor' },
        { channel: 'partner', talkerRole: 'handler' },
      ] as const) {
        const u = understand(text, more)
        expect(u.intent, `${more.channel}/${more.talkerRole}: ${text}`).toBe('internal_note')
        expect(['internal_note', 'internal_general']).toContain(u.label)
        // staff words raise no risk signals: they are the team talking to itself
        expect(u.signals).toEqual([])
      }
    }
  })

  it('knows a question from a claim and a demand from a promise', () => {
    // the question is read from its form (`asks`), whatever the model makes of the words
    expect(understand('好了').asks).toBe(false)
    expect(understand('好了吗').asks).toBe(true)
    expect(understand('装好了没').asks).toBe(true)
    // a clause closed by 不 is the colloquial yes/no question; "neither" and "not yet" are not
    expect(understand('悦悦，周二周五上午你在屋头不').asks).toBe(true)
    expect(understand('明天来不，师傅问').asks).toBe(true)
    expect(understand('我也不').asks).toBe(false)
    expect(understand('还不').asks).toBe(false)
    // a tag asking to confirm is a question; 好吧/行吧 accept
    expect(understand('周六上午十点对吧，我带他去').asks).toBe(true)
    expect(understand('是这个地址是吧').asks).toBe(true)
    expect(understand('好吧，那就这样').asks).toBe(false)
    expect(understand('师傅几点到？').asks).toBe(true)
    // chat separates clauses by spaces: a particle before one closes a question
    expect(understand('礼拜一下午两点到了 人呢 店里就一个小妹在').asks).toBe(true)
    expect(understand('收到了 谢谢 明天见').asks).toBe(false)
    expect(understand('是呢 护理液在卫生间镜子后头').asks).toBe(false)
    // the lexicon's ignore phrases shadow the commitment word: "不一定" promises nothing
    expect(understand('不一定能修').riskFlags).toEqual([])
    expect(understand('一定能修好').riskFlags).toEqual(['commitment'])
    expect(understand('一定要今天来').riskFlags).toEqual([])
    expect(understand('别承诺具体时间', { channel: 'internal', talkerRole: 'handler' }).riskFlags).toEqual([])
    // calling a fellow member of the customer's side is speaking to them, not to the team
    const household = { householdNames: ['王志刚', '志刚', '小马'] }
    expect(understand('志刚，楼上那个小伙子今天下来了', household).toFamily).toBe(true)
    expect(understand('小马周四下午你去一趟恒顺，把我车开回来', household).toFamily).toBe(true)
    expect(understand('志刚说你们周四来就行', household).toFamily).toBe(false)
    expect(understand('周四下午可以，志刚在家', household).toFamily).toBe(false)
    expect(understand('志刚，楼上那个小伙子今天下来了').toFamily).toBe(false)
    expect(householdCallNames('王志刚')).toEqual(['王志刚', '志刚'])
    expect(householdCallNames('小马')).toEqual(['小马'])
    // a title after the surname calls anyone: "师傅，几点到" is for the installer
    expect(householdCallNames('任师傅')).toEqual(['任师傅'])
    expect(householdCallNames('王老板')).toEqual(['王老板'])
    expect(householdCallNames('Kelvin')).toEqual(['Kelvin'])
    // familiar forms: by surname with 小/老 or a title, by the given name's last character
    expect(familiarCallNames('陶志远')).toEqual(['小陶', '老陶', '阿远', '小远'])
    expect(familiarCallNames('欧阳娜')).toEqual(['阿娜', '小娜'])
    // a household member named by a title has no familiar forms; staff so named keep their surname's
    expect(familiarCallNames('黎师傅')).toEqual([])
    expect(familiarCallNames('黎师傅', true)).toEqual(expect.arrayContaining(['老黎', '小黎']))
    expect(familiarCallNames('Ryan Cooper')).toEqual([])
    expect(understand('小孙，周四上午把车钥匙准备好', { householdNames: familiarCallNames('孙小刚') }).toFamily).toBe(true)
    // calling a staff member or partner by name is speaking to the team; a family word wins
    const team = { teamNames: ['夏教练', '小周', '马经理'], householdNames: ['小马'] }
    expect(understand('夏教练 下周四下午她学校有活动 请个假', team).toTeam).toBe(true)
    expect(understand('马经理，俺娘岁数大了，看房别太早', team).toTeam).toBe(true)
    expect(understand('小周说你们明天来', team).toTeam).toBe(false)
    expect(understand('小马，你跟夏教练说一声', team)).toMatchObject({ toFamily: true, toTeam: false })
    expect(understand('夏教练 下周四下午她学校有活动 请个假').toTeam).toBe(false)
    expect(understand('群主 我那事私聊你了 你回一下', { teamNames: ['群主'] }).toTeam).toBe(true)
    expect(understand('师傅讲要来两回 丽丽你看么样搞', { teamNames: ['师傅'] }).toTeam).toBe(false)
    // 坏了 after a feeling or a state of the body means "very", not broken
    expect(understand('好的，她俩开心坏了').signals).not.toContain('damage')
    expect(understand('师傅今天累坏了吧').signals).not.toContain('damage')
    expect(understand('洗衣机又坏了').signals).toContain('damage')
    // something knocked over and broken is damage; a caution not to is not
    expect(understand('他们搬柜子把花瓶碰地上了 摔成好几瓣').signals).toContain('damage')
    expect(understand('看房的把君子兰碰翻了').signals).toContain('damage')
    expect(understand('搬的时候小心别碰倒了花瓶').signals).not.toContain('damage')
    // an engine that will not start is not a fire
    expect(understand('今儿真冷，早上车都打不着火').signals).not.toContain('safety')
    expect(understand('厨房着火了').signals).toContain('safety')
    // asking where someone lives is a privacy matter; saying where one is, or asking for a shop, is not
    expect(understand('有没有人知道周敏家住哪里 我是她同事 想送个东西').signals).toContain('privacy')
    expect(understand('does anyone know where she lives').signals).toContain('privacy')
    expect(understand('我家就在小区门口').signals).not.toContain('privacy')
    expect(understand('你们店在哪里').signals).not.toContain('privacy')
    // a partner moving booked jobs is news for their customers; a customer moving their own visit is not this signal
    const partner = { channel: 'partner', talkerRole: 'partner' } as const
    expect(understand('彭工下周二请假，工单顺延', partner).signals).toContain('schedule_change')
    expect(understand('春节期间国际件停收，初八恢复', partner).signals).toContain('schedule_change')
    expect(understand('All afternoon installs are pushed back an hour', partner).signals).toContain('schedule_change')
    expect(understand('在路上了，二十分钟到', partner).signals).not.toContain('schedule_change')
    expect(understand('能不能把安装改期到周六').signals).not.toContain('schedule_change')
    // a crew on site that cannot get in or reach anyone; a customer who cannot get through is complaining instead
    expect(understand('到门口了，敲门没人应，电话也打不通', partner).signals).toContain('access_blocked')
    expect(understand('到淡水了，厂门口保安不给车进', partner).signals).toContain('access_blocked')
    expect(understand('到咗楼下，打梁太电话冇人听', partner).signals).toContain('access_blocked')
    expect(understand("We're at the gate, security won't let us in", partner).signals).toContain('access_blocked')
    expect(understand('到了，马上上楼', partner).signals).not.toContain('access_blocked')
    expect(understand('打你们客服电话一直没人接').signals).not.toContain('access_blocked')
  })

  it('gives recalled and system messages, and the bot itself, no intent', () => {
    for (const more of [{ type: 'recalled' }, { type: 'system' }, { talkerRole: 'bot' }] as const) {
      const u = understand('好了', more)
      expect(u.intent, JSON.stringify(more)).toBe('unknown')
      expect(u.label).toBe('unknown')
    }
    expect(understand('我要投诉', { talkerRole: 'bot', channel: 'partner' }).intent).toBe('unknown')
  })

  it('reports the terms it matched', () => {
    const u = understand('我要投诉，还要退款')
    // The model decides the intent now, so no intent terms are matched: matchedTerms.intent is
    // always empty. The risk terms come from both the lexicon and signals.yaml (a term found by
    // both may be listed twice, hence the sets).
    expect(u.matchedTerms.intent).toEqual([])
    expect(Object.keys(u.matchedTerms.risks).sort()).toEqual(['compensation', 'complaint'])
    expect(new Set(u.matchedTerms.risks.compensation)).toEqual(new Set(['退款']))
    expect(new Set(u.matchedTerms.risks.complaint)).toEqual(new Set(['投诉']))
    expect([...u.signals].sort()).toEqual(['compensation', 'complaint'])
    expect([...u.riskFlags].sort()).toEqual(['compensation', 'complaint'])
  })
})

describe('normalization and word matching', () => {
  it('removes invisible characters, folds full-width forms and case, collapses spaces', () => {
    expect(normalizeText('Ｄｏｎｅ\u200b！\u202e  OK\uFEFF')).toBe('done! ok')
    expect(normalizeText('投\u200d诉')).toBe('投诉')
    expect(normalizeText('退　款 please  ')).toBe('退款 please')
    expect(normalizeText('👍🏻')).toBe('👍')
  })

  it('still finds a word split by invisible characters, and flags the hiding as invisible_text', () => {
    const u = understand('我要投\u200d诉')
    expect(u.signals).toContain('complaint')
    expect([...u.riskFlags].sort()).toEqual(['complaint', 'invisible_text'])
    // invisible_text is a flag, not a signal: it asks for care, not for a person by itself
    expect(u.signals).not.toContain('invisible_text')
    expect(understand('我要投诉').riskFlags).not.toContain('invisible_text')
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
    // intents come from the model now; the lexicon's English terms still raise its flags
    expect(understand('DEFINITELY fixed by Friday!').riskFlags).toEqual(['commitment'])
    expect(understand('I Promise').riskFlags).toEqual(['commitment'])
    expect(understand('we can compromise on the time').riskFlags).toEqual([])
    expect(understand('postponed indefinitely').riskFlags).toEqual([])
  })

  it('rejects a lexicon with an unknown intent or a broken pattern, naming the path', () => {
    const bad = lexiconSchema.safeParse({ intents: { greeting: ['hi'] }, risks: {}, patterns: { caseId: ['(unclosed'] } })
    expect(bad.success).toBe(false)
    const paths = bad.error!.issues.map((i) => i.path.join('.'))
    expect(paths).toContain('patterns.caseId.0')
    expect(bad.error!.issues.some((i) => i.path.join('.') === 'intents' && i.code === 'unrecognized_keys')).toBe(true)
  })
})
