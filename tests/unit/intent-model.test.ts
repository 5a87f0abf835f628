import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/config/format-issues.js'
import { loadIntentModel } from '../../src/config/load-intent-model.js'
import { LABELS_BY_SPEAKER, classifyIntent, intentOfLabel, scopedLabel, sha256Hex, trainIntentModel, type IntentModel, type Speaker, type TrainingExample } from '../../src/domain/understanding/intent-model.js'

// Each label has its own key phrases; the frames around them are shared, so the model must
// learn the phrases rather than the frames.
const PHRASES: Record<string, string[]> = {
  complaint: ['太差劲了，一直漏水', '我要投诉你们', '装完就坏了，太差劲'],
  refund_or_compensation: ['我要退款', '申请退货退款', '必须赔偿我的损失'],
  progress_question: ['师傅什么时候到', '进度怎么样了', '现在到哪了'],
  chit_chat: ['好的谢谢', '辛苦了谢谢', '好的收到'],
  appointment: ['明天上午有空', '周六下午可以上门', '后天上午家里有人'],
}
const TRAIN_FRAMES: Array<[string, string]> = [
  ['', ''],
  ['你好，', ''],
  ['', '！'],
]
const TEST_FRAMES: Array<[string, string]> = [
  ['喂，', '。'],
  ['请问', '？'],
]

function synthetic(frames: Array<[string, string]>): TrainingExample[] {
  return Object.entries(PHRASES).flatMap(([label, phrases]) => phrases.flatMap((p) => frames.map(([before, after]) => ({ text: `${before}${p}${after}`, speaker: 'customer' as const, label }))))
}

const SMALL: TrainingExample[] = [
  ...synthetic(TRAIN_FRAMES.slice(0, 2)),
  { text: '麻烦让客户把墙面拍一下', speaker: 'partner', label: 'partner_request' },
  { text: '麻烦让客户准备好发票', speaker: 'partner', label: 'partner_request' },
  { text: '我在路上了，堵车', speaker: 'partner', label: 'partner_status' },
  { text: '在路上，马上到', speaker: 'partner', label: 'partner_status' },
  { text: '这单我来跟', speaker: 'staff', label: 'internal_note' },
]

describe('intent model training', () => {
  it('is deterministic: the same examples give a byte-identical model', () => {
    const a = JSON.stringify(trainIntentModel(SMALL))
    const b = JSON.stringify(trainIntentModel([...SMALL]))
    expect(a).toBe(b)
    expect(JSON.stringify(trainIntentModel(SMALL, { seed: 7 }))).not.toBe(a)
  })

  it('records what it was trained on and a content-derived version', () => {
    const model = trainIntentModel(SMALL)
    expect(model.format).toBe(1)
    expect(model.trainedOn.examples).toBe(SMALL.length)
    expect(model.trainedOn.perLabel['partner_request']).toBe(2)
    expect(model.version).toBe(`v${SMALL.length}-${model.hash.slice(0, 8)}`)
    expect(model.hash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('learns a small synthetic corpus and generalises to unseen frames', () => {
    const train = synthetic(TRAIN_FRAMES)
    expect(train).toHaveLength(45)
    const model = trainIntentModel(train)
    const test = synthetic(TEST_FRAMES)
    const correct = test.filter((e) => classifyIntent(model, e.text, e.speaker).label === e.label).length
    expect(correct / test.length).toBeGreaterThanOrEqual(0.9)
  })

  it('refuses a label the speaker cannot mean', () => {
    expect(() => trainIntentModel([{ text: '我要投诉', speaker: 'partner', label: 'complaint' }])).toThrow(/not allowed for a partner/)
    expect(() => trainIntentModel([{ text: '好', speaker: 'customer', label: 'greeting' }])).toThrow(/unknown label/)
  })
})

describe('intent model classification', () => {
  // Order numbers and phones in training text give digits weights, so ignoring them is tested.
  const withNumbers: TrainingExample[] = [
    { text: '订单 DD20261101001 师傅什么时候到', speaker: 'customer', label: 'progress_question' },
    { text: '订单 DD20251231987 进度怎么样了', speaker: 'customer', label: 'progress_question' },
    { text: '电话13800001234，我要退款', speaker: 'customer', label: 'refund_or_compensation' },
    { text: '电话13955556789，申请退货退款', speaker: 'customer', label: 'refund_or_compensation' },
  ]
  const model = trainIntentModel([...synthetic(TRAIN_FRAMES), ...SMALL, ...withNumbers])

  it('reads staff as a note whatever they say, about a case or about none', () => {
    for (const text of ['我要投诉你们', '我要退款', '好的谢谢', '']) {
      const r = classifyIntent(model, text, 'staff')
      expect(intentOfLabel(r.label)).toBe('internal_note')
      expect(r.scores.map((s) => s.label).sort()).toEqual(['internal_general', 'internal_note'])
    }
  })

  it('never gives a partner a customer-only label', () => {
    const partnerLabels = new Set<string>(LABELS_BY_SPEAKER.partner)
    for (const text of ['我要投诉你们', '我要退款', '进度怎么样了', '明天上午有空']) {
      const r = classifyIntent(model, text, 'partner')
      expect(partnerLabels.has(r.label)).toBe(true)
      expect(r.scores.every((s) => partnerLabels.has(s.label))).toBe(true)
    }
  })

  it('returns probabilities over the allowed labels, best first', () => {
    const r = classifyIntent(model, '我要退款', 'customer')
    expect(r.label).toBe('refund_or_compensation')
    expect(r.scores).toHaveLength(LABELS_BY_SPEAKER.customer.length)
    expect(r.scores.reduce((sum, s) => sum + s.p, 0)).toBeCloseTo(1, 9)
    expect(r.confidence).toBe(r.scores[0]?.p)
    expect(r.scores.every((s, i) => i === 0 || (r.scores[i - 1]?.p ?? 0) >= s.p)).toBe(true)
  })

  it('ignores invisible characters, full-width forms and case', () => {
    const plain = classifyIntent(model, '我要投诉你们 OK', 'customer')
    expect(classifyIntent(model, '我\u200b要投\u2060诉你\ufeff们 ＯＫ', 'customer')).toEqual(plain)
    expect(classifyIntent(model, '我要投诉你们 ok', 'customer')).toEqual(plain)
  })

  it('ignores which digits an order number or phone has', () => {
    const a = classifyIntent(model, '订单 DD20261101001 师傅什么时候到，电话13800001234', 'customer')
    const b = classifyIntent(model, '订单 DD7 师傅什么时候到，电话１５９９９９９', 'customer')
    expect(b).toEqual(a)
  })

  it('caps long text at 4,000 characters', () => {
    const head = '好的收到'.repeat(1000) // exactly 4,000 characters
    const capped = classifyIntent(model, head, 'customer')
    const started = performance.now()
    const long = classifyIntent(model, head + '我要退款，必须赔偿'.repeat(50_000), 'customer')
    expect(performance.now() - started).toBeLessThan(500)
    expect(long).toEqual(capped)
  })

  it('maps labels to Baton intents', () => {
    expect(intentOfLabel('material_claim')).toBe('completion_claim')
    expect(intentOfLabel('promise_later')).toBe('unknown')
    expect(intentOfLabel('partner_status')).toBe('unknown')
    expect(intentOfLabel('refund_or_compensation')).toBe('refund_or_compensation')
    expect(intentOfLabel('no_such_label')).toBe('unknown')
    expect(intentOfLabel('partner_general')).toBe('unknown')
    expect(intentOfLabel('internal_general')).toBe('internal_note')
  })

  it('learns a status or a note tied to no customer as a remark about no case', () => {
    expect(scopedLabel('partner', 'partner_status', null)).toBe('partner_general')
    expect(scopedLabel('staff', 'internal_note', null)).toBe('internal_general')
    // a line with a customer, or without the field at all (the dev set), keeps its label
    expect(scopedLabel('partner', 'partner_status', 'wu')).toBe('partner_status')
    expect(scopedLabel('staff', 'internal_note', undefined)).toBe('internal_note')
    // a request or a chat is what it is, whoever it is about
    expect(scopedLabel('partner', 'partner_request', null)).toBe('partner_request')
    expect(scopedLabel('customer', 'chit_chat', null)).toBe('chit_chat')
  })
})

describe('loadIntentModel', () => {
  const model = trainIntentModel(SMALL)
  const dir = mkdtempSync(join(tmpdir(), 'intent-model-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  function write(name: string, content: string): string {
    const path = join(dir, name)
    writeFileSync(path, content)
    return path
  }

  function problemOf(path: string): string {
    try {
      loadIntentModel(path)
    } catch (err) {
      if (err instanceof ConfigError) return err.message
      throw err
    }
    return 'loaded'
  }

  it('loads what training wrote, with the same predictions', () => {
    const loaded = loadIntentModel(write('good.json', JSON.stringify(model)))
    expect(loaded).toEqual(model)
    const speakers: Speaker[] = ['customer', 'partner', 'staff']
    for (const s of speakers) expect(classifyIntent(loaded, '我要退款', s)).toEqual(classifyIntent(model, '我要退款', s))
  })

  it('agrees with node:crypto on the hash', () => {
    for (const text of ['', 'abc', '中文'.repeat(40), 'x'.repeat(119)]) expect(sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'))
  })

  it('rejects a file whose weights were changed after training', () => {
    const i = model.weights.length >> 1
    const flipped = model.weights[i] === 'A' ? 'B' : 'A'
    const tampered: IntentModel = { ...model, weights: model.weights.slice(0, i) + flipped + model.weights.slice(i + 1) }
    const path = write('tampered.json', JSON.stringify(tampered))
    expect(problemOf(path)).toContain(path)
    expect(problemOf(path)).toMatch(/hash/)
  })

  it('rejects counts that were edited, another format, broken JSON and a missing file', () => {
    const edited = { ...model, trainedOn: { ...model.trainedOn, examples: model.trainedOn.examples + 1 } }
    expect(problemOf(write('edited.json', JSON.stringify(edited)))).toMatch(/edited\.json: hash/)
    expect(problemOf(write('format.json', JSON.stringify({ ...model, format: 2 })))).toMatch(/format\.json: format — expected intent model format 1, got 2/)
    expect(problemOf(write('broken.json', JSON.stringify(model).slice(0, 100)))).toMatch(/broken\.json: \(file\) — invalid JSON/)
    expect(problemOf(join(dir, 'missing.json'))).toMatch(/missing\.json: \(file\) — cannot be read: ENOENT/)
    const extra = JSON.parse(readFileSync(write('x.json', JSON.stringify(model)), 'utf8')) as Record<string, unknown>
    expect(problemOf(write('extra.json', JSON.stringify({ ...extra, labels: 'chit_chat' })))).toMatch(/extra\.json: labels/)
  })
})
