import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseCommand, type ParseResult } from '../../src/domain/commands/parse-command.js'

const cmd = (command: object): ParseResult => ({ kind: 'command', command } as ParseResult)

describe('command grammar', () => {
  it.each<[string, ParseResult]>([
    ['/approve 12', cmd({ name: 'approve', draftId: 12, force: false })],
    ['/approve #12 force', cmd({ name: 'approve', draftId: 12, force: true })],
    ['／approve 12', cmd({ name: 'approve', draftId: 12, force: false })],
    ['   /approve     12   ', cmd({ name: 'approve', draftId: 12, force: false })],
    ['/APPROVE 12', cmd({ name: 'approve', draftId: 12, force: false })],
    ['@Baton助手\u2005/approve 12', cmd({ name: 'approve', draftId: 12, force: false })],
    ['@Baton助手 @王小美 /approve 12', cmd({ name: 'approve', draftId: 12, force: false })],
    ['/ap\u200bprove 12', cmd({ name: 'approve', draftId: 12, force: false })],
    ['/edit 3 您好，资料已收到 😊', cmd({ name: 'edit', draftId: 3, text: '您好，资料已收到 😊' })],
    ['/edit 3   多个   空格  保留', cmd({ name: 'edit', draftId: 3, text: '多个   空格  保留' })],
    ['/reject 4', cmd({ name: 'reject', draftId: 4, reason: null })],
    ['/reject 4 已电话沟通', cmd({ name: 'reject', draftId: 4, reason: '已电话沟通' })],
    ['/take 5', cmd({ name: 'take', target: 'draft', id: 5 })],
    ['/take case 5', cmd({ name: 'take', target: 'case', id: 5 })],
    ['/take c5', cmd({ name: 'take', target: 'case', id: 5 })],
    ['/case #9', cmd({ name: 'case', caseId: 9 })],
    ['/cases', cmd({ name: 'cases', filter: 'open' })],
    ['/cases overdue', cmd({ name: 'cases', filter: 'overdue' })],
    ['/open 老张 售后 空调异响', cmd({ name: 'open', customer: '老张', serviceType: 'after_sales', note: '空调异响' })],
    ['/open zhao material', cmd({ name: 'open', customer: 'zhao', serviceType: 'material', note: null })],
    ['/wait 9 waiting_partner', cmd({ name: 'wait', caseId: 9, state: 'waiting_partner', dueInMs: null })],
    ['/wait 9 waiting_partner in 4h', cmd({ name: 'wait', caseId: 9, state: 'waiting_partner', dueInMs: 14_400_000 })],
    ['/wait 9 waiting_executor in 2小时', cmd({ name: 'wait', caseId: 9, state: 'waiting_executor', dueInMs: 7_200_000 })],
    ['/done 9', cmd({ name: 'done', caseId: 9, note: null })],
    ['/cancel 9 客户不需要了', cmd({ name: 'cancel', caseId: 9, reason: '客户不需要了' })],
    ['/executor 9 @张太太', cmd({ name: 'executor', caseId: 9, mention: '@张太太' })],
    ['/assign 9 @陈明', cmd({ name: 'assign', caseId: 9, mention: '@陈明' })],
    ['/remind 9', cmd({ name: 'remind', caseId: 9, inMs: 0 })],
    ['/remind 9 now', cmd({ name: 'remind', caseId: 9, inMs: 0 })],
    ['/remind 9 in 30m', cmd({ name: 'remind', caseId: 9, inMs: 1_800_000 })],
    ['/snooze 9 1天 客户出差', cmd({ name: 'snooze', caseId: 9, forMs: 86_400_000, reason: '客户出差' })],
    ['/snooze 9', { kind: 'error', code: 'bad_arguments', name: 'snooze' }],
    ['/remind 9 later', { kind: 'error', code: 'bad_arguments', name: 'remind' }],
    ['/help', cmd({ name: 'help', command: null })],
    ['/help approve', cmd({ name: 'help', command: 'approve' })],
    // ordinary chat is not a command
    ['好的/收到', { kind: 'not_command' }],
    ['', { kind: 'not_command' }],
    ['/usr/bin/env', { kind: 'not_command' }],
    ['/123', { kind: 'not_command' }],
    ['//', { kind: 'not_command' }],
    ['http://example.com/approve', { kind: 'not_command' }],
    // malformed commands
    ['/', { kind: 'error', code: 'empty' }],
    ['/   ', { kind: 'error', code: 'empty' }],
    ['/aprove 1', { kind: 'error', code: 'unknown_command', name: 'aprove', suggestion: 'approve' }],
    ['/frobnicate', { kind: 'error', code: 'unknown_command', name: 'frobnicate' }],
    ['/approve', { kind: 'error', code: 'bad_arguments', name: 'approve' }],
    ['/approve abc', { kind: 'error', code: 'bad_arguments', name: 'approve' }],
    ['/approve -3', { kind: 'error', code: 'bad_arguments', name: 'approve' }],
    ['/approve 0', { kind: 'error', code: 'bad_arguments', name: 'approve' }],
    ['/approve 12 please', { kind: 'error', code: 'bad_arguments', name: 'approve' }],
    ['/approve 99999999999999', { kind: 'error', code: 'bad_arguments', name: 'approve' }],
    ['/edit 3', { kind: 'error', code: 'bad_arguments', name: 'edit' }],
    ['/cancel 9', { kind: 'error', code: 'bad_arguments', name: 'cancel' }],
    ['/wait 9 sleeping', { kind: 'error', code: 'bad_arguments', name: 'wait' }],
    ['/wait 9 waiting_partner in soon', { kind: 'error', code: 'bad_arguments', name: 'wait' }],
    ['/open 老张 星际旅行', { kind: 'error', code: 'bad_arguments', name: 'open' }],
    ['/cases everything', { kind: 'error', code: 'bad_arguments', name: 'cases' }],
    ['/approve 😀', { kind: 'error', code: 'bad_arguments', name: 'approve' }],
    [`/edit 1 ${'长'.repeat(5000)}`, { kind: 'error', code: 'too_long' }],
  ])('%j', (input, expected) => expect(parseCommand(input)).toEqual(expected))
})

describe('command grammar (properties)', () => {
  const kinds = new Set(['not_command', 'command', 'error'])
  it('never throws on arbitrary input and always returns one of three kinds', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.fullUnicodeString(), fc.string().map((s) => `/${s}`), fc.fullUnicodeString().map((s) => `／${s}`)), (s) => kinds.has(parseCommand(s).kind)),
      { numRuns: 2000 },
    )
  })
  it('ignores extra whitespace around a valid command', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(' ', '\t', '\u2005', '\u3000'), { maxLength: 5 }), fc.array(fc.constantFrom(' ', '\t'), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 1_000_000 }), (lead, gap, n) =>
        JSON.stringify(parseCommand(`${lead.join('')}/approve${gap.join('')}${n}`)) === JSON.stringify(parseCommand(`/approve ${n}`)),
      ),
    )
  })
})
