import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadLexicon } from '../../src/config/lexicon-schema.js'
import { compileLexicon, normalizeText, segmentWords, understandMessage, type Lexicon } from '../../src/domain/understanding/index.js'
import type { Channel, Intent, MessageType, RiskFlag, TalkerRole } from '../../src/domain/types.js'
import { INTENTS } from '../../src/domain/types.js'

interface Row {
  text: string
  type?: MessageType
  channel: Channel
  role: TalkerRole
  intent: Intent
  flags: RiskFlag[]
}

const lexicon = compileLexicon(loadLexicon('config/lexicon.yaml')) as Lexicon
const directory = {
  customers: [
    { key: 'zhang', name: '张先生', aliases: ['老张', '张总'], orderNumbers: ['DD20261101001'], phoneTail: '1234' },
    { key: 'zhao', name: '赵女士', aliases: ['赵姐'], orderNumbers: ['DD20261102007'], phoneTail: '5678' },
  ],
}
const rows = parse(readFileSync('tests/fixtures/labelled-messages.yaml', 'utf8')) as Row[]
const run = (r: Row) => understandMessage({ text: r.text, type: r.type ?? 'text', channel: r.channel, talkerRole: r.role, mentionIds: [] }, lexicon, directory)

describe('understanding a message (labelled fixture)', () => {
  it('has at least 60 rows covering every intent and every text-level risk flag', () => {
    expect(rows.length).toBeGreaterThanOrEqual(60)
    expect(new Set(rows.map((r) => r.intent))).toEqual(new Set(INTENTS))
    const flags = new Set(rows.flatMap((r) => r.flags))
    for (const f of ['commitment', 'compensation', 'complaint', 'privacy', 'sensitive_claim', 'verification_conflict', 'missing_context']) expect(flags).toContain(f)
  })

  it.each(rows.map((r, i) => [i, r.text || `(${r.type})`, r] as const))('#%i %s', (_i, _label, r) => {
    const u = run(r)
    expect(u.intent).toBe(r.intent)
    expect([...u.riskFlags].sort()).toEqual([...r.flags].sort())
  })

  it('reports the accuracy over the fixture', () => {
    const correct = rows.filter((r) => run(r).intent === r.intent).length
    const accuracy = correct / rows.length
    console.log(`classifier intent accuracy: ${correct}/${rows.length} = ${(accuracy * 100).toFixed(1)}%`)
    expect(accuracy).toBe(1)
  })
})

describe('references', () => {
  it('finds case ids, order numbers, customers by name, alias, order and phone tail, and links', () => {
    const u = understandMessage({ text: '案件#12 和 #13：老张（尾号5678）订单dd20261101001 见 https://x.example.com/a', type: 'text', channel: 'partner', talkerRole: 'partner', mentionIds: ['wx-1'] }, lexicon, directory)
    expect(u.references.caseIds).toEqual([12, 13])
    expect(u.references.customerKeys.sort()).toEqual(['zhang', 'zhao'])
    expect(u.references.phoneTails).toEqual(['5678'])
    expect(u.references.links).toEqual(['https://x.example.com/a'])
    expect(u.references.mentionIds).toEqual(['wx-1'])
  })

  it('keeps order numbers in their canonical upper case even when typed full-width or lower case', () => {
    const u = understandMessage({ text: '订单ＤＤ２０２６１１０２００７', type: 'text', channel: 'partner', talkerRole: 'partner', mentionIds: [] }, lexicon, directory)
    expect(u.references.orderNumbers).toEqual(['DD20261102007'])
    expect(u.references.customerKeys).toEqual(['zhao'])
  })
})

describe('normalization and segmentation', () => {
  it('removes invisible characters, folds full-width forms and case', () => {
    expect(normalizeText('Ｄｏｎｅ\u200b！\u202e  ok')).toBe('done! ok')
  })
  it('segments Chinese with Intl.Segmenter, so a one-character term needs a whole word', () => {
    expect(segmentWords('包裹到了吗')).not.toContain('包')
    const u = understandMessage({ text: '包裹到了吗', type: 'text', channel: 'customer', talkerRole: 'customer_contact', mentionIds: [] }, lexicon, directory)
    expect(u.riskFlags).toEqual([])
  })
})
