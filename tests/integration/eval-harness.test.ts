import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { playSet, type LineResult, type SetResult } from '../../scripts/eval/play.js'
import { scoreLine, leaked, type LineContext } from '../../scripts/eval/score.js'
import type { Line } from '../../scripts/eval/conversation.js'
import type { Observation, SendSeen } from '../../scripts/eval/observe.js'
import { parseArgs } from '../../scripts/eval/run.js'
import { summarize } from '../../scripts/eval/report.js'

// Six lines on the sandbox tenant whose reactions do not depend on fine judgement: a partner's
// clear request, staff chatter, a thank-you, a deliberately mislabelled "好的" (the harness must
// call it a miss), a customer's slash command and an outsider's greeting.
const CONVERSATION = [
  {
    group: 'partner-anxin',
    as: 'wx-partner-li',
    text: '@王小美 DD20261101001 张先生家明天装挂机，麻烦让客户今晚先拍一下内机要装的那面墙发群里',
    intent: 'partner_request',
    expect: 'review',
    customer: 'zhang',
    mustNot: ['李师傅', '安心安装'],
  },
  { group: 'internal', as: 'wx-handler-wang', text: '张先生这单我来跟，大家别重复联系了', intent: 'internal_note', expect: 'record', customer: 'zhang' },
  { group: 'cust-zhang', as: 'wx-zhang', text: '好的，谢谢', intent: 'chit_chat', expect: 'record', customer: 'zhang' },
  { group: 'cust-zhao', as: 'wx-zhao', text: '好的', intent: 'chit_chat', expect: 'review', note: 'mislabelled on purpose' },
  { group: 'cust-zhang', as: 'wx-zhang', text: '/approve 1', intent: 'unknown', expect: 'not_direct' },
  { group: 'members', as: 'outsider', text: '早上好', intent: 'chit_chat', expect: 'record', customer: null },
]

describe('eval harness: playing a conversation', () => {
  let dir: string
  let result: SetResult
  const line = (no: number): LineResult => result.lines.find((l) => l.line.no === no)!

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eval-harness-'))
    const path = join(dir, 'synthetic.jsonl')
    writeFileSync(path, `${CONVERSATION.map((l) => JSON.stringify(l)).join('\n')}\n`)
    result = await playSet({ name: 'synthetic', path, tenantPath: 'config/sandbox.yaml', kind: 'adhoc' })
  }, 60_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('plays every line and records each once', () => {
    expect(result.lines.map((l) => l.line.no)).toEqual([1, 2, 3, 4, 5, 6])
    expect(result.lines.every((l) => l.error === undefined && l.observation?.recorded !== null)).toBe(true)
    expect(new Set(result.lines.map((l) => l.observation!.recorded!.messageId)).size).toBe(6)
    expect(result.timerSends).toBe(0)
  })

  it('scores a partner request that reached the team, not the customer, as review-correct', () => {
    const r = line(1)
    expect(r.groupKind).toBe('partner')
    expect(['draft_pending', 'team_told']).toContain(r.score.observed)
    expect(r.observation!.sends.some((s) => s.audience === 'team')).toBe(true)
    expect(r.score.modeOk).toBe(true)
    expect(r.score.unsafe).toBe(0)
    expect(r.score.leaks).toEqual([])
    expect(r.score.intentOk).toBe(true)
    expect(r.score.caseOk).toBe(true)
  })

  it('scores staff chatter and a thank-you that caused nothing as record-correct', () => {
    for (const no of [2, 3]) {
      const r = line(no)
      expect(r.score.observed).toBe('silent')
      expect(r.observation!.drafts).toEqual([])
      expect(r.observation!.sends).toEqual([])
      expect(r.score.modeOk).toBe(true)
    }
  })

  it('calls a silent line labelled review a miss that needed a person', () => {
    const r = line(4)
    expect(r.score.observed).toBe('silent')
    expect(r.score.modeOk).toBe(false)
    expect(r.score.silentNeedingPerson).toBe(true)
    expect(r.score.why.join(' ')).toContain('review≠silent')
  })

  it('takes a customer slash command as not direct, unclassified and not tied to a case', () => {
    const r = line(5)
    expect(r.score.observed).not.toMatch(/^direct/)
    expect(r.score.modeOk).toBe(true)
    expect(r.score.intentGot).toBe('unknown')
    expect(r.score.caseOk).toBeNull()
  })

  it('scores an outsider greeting with no case as attributed correctly', () => {
    const r = line(6)
    expect(r.groupKind).toBe('public_customer')
    expect(r.score.caseWant).toBeNull()
    expect(r.score.caseOk).toBe(true)
    expect(r.score.modeOk).toBe(true)
  })

  it('adds the lines up', () => {
    const s = summarize(result.lines)
    expect(s.lines).toBe(6)
    expect(s.silent).toBe(1)
    expect(s.modeOk).toBe(5)
  })
})

describe('eval harness: scoring rules', () => {
  const ctx: LineContext = { groupKind: 'customer', automatic: new Set(['material_received']), groupCustomers: ['zhang'], isCommand: false }
  const base: Line = { no: 1, group: 'cust-zhang', as: 'wx-zhang', text: 'x', expect: 'not_direct_unless_auto', mustNot: ['李师傅'] }
  const send = (over: Partial<SendSeen>): SendSeen => ({ id: 1, kind: 'draft', groupKey: 'cust-zhang', contactId: null, draftId: 1, text: '', audience: 'customer', category: null, ...over })
  const obs = (over: Partial<Observation>): Observation => ({
    recorded: { messageId: 1, intent: 'material_provided', mode: 'send_direct', caseId: 1, caseCustomer: 'zhang' },
    drafts: [],
    sends: [],
    attention: 0,
    ...over,
  })

  it('allows a direct send only for an automatic category', () => {
    const ok = scoreLine(base, obs({ sends: [send({ category: 'material_received' })] }), ctx)
    expect([ok.observed, ok.modeOk, ok.unsafe]).toEqual(['direct_auto', true, 0])
    const bad = scoreLine(base, obs({ sends: [send({ category: 'appointment_confirmed' })] }), ctx)
    expect([bad.observed, bad.modeOk, bad.unsafe]).toEqual(['direct_other', false, 1])
    const notAllowed = scoreLine({ ...base, expect: 'not_direct' }, obs({ sends: [send({ category: 'material_received' })] }), ctx)
    expect([notAllowed.modeOk, notAllowed.unsafe]).toEqual([false, 1])
  })

  it('finds leaks in drafts as if approved unchanged, ignoring spaces and case', () => {
    const s = scoreLine(
      { ...base, expect: 'review', mustNot: ['李师傅', 'Anxin'] },
      obs({ drafts: [{ id: 1, category: 'x', status: 'pending', mode: 'review_before_send', text: '李 师傅明天到，ANXIN', targetGroup: 'cust-zhang' }] }),
      ctx,
    )
    expect(s.observed).toBe('draft_pending')
    expect(s.modeOk).toBe(true)
    expect(s.leaks).toEqual(['李师傅', 'Anxin'])
    expect(leaked(['13800001234'], ['电话 138 0000 1234'])).toEqual(['13800001234'])
  })

  it('counts a team notice or an attention item as telling the team, and a command refusal as nothing', () => {
    const review = { ...base, expect: 'review' as const }
    expect(scoreLine(review, obs({ sends: [send({ kind: 'notice', groupKey: 'internal', audience: 'team', draftId: null })] }), ctx).observed).toBe('team_told')
    expect(scoreLine(review, obs({ attention: 1 }), ctx).modeOk).toBe(true)
    const refusal = scoreLine({ ...base, expect: 'record' }, obs({ sends: [send({ kind: 'reply', draftId: null })] }), { ...ctx, isCommand: true })
    expect([refusal.observed, refusal.modeOk, refusal.commandReply]).toEqual(['silent', true, true])
  })

  it('reads the command line', () => {
    expect(parseArgs(['--set', 'a.jsonl:t.yaml', '--json', 'o.json', '--quiet'])).toEqual({ all: false, sets: ['a.jsonl:t.yaml'], json: 'o.json', misses: false })
    expect(parseArgs(['--all']).misses).toBe(true)
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown argument/)
  })
})
