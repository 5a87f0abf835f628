import { describe, expect, it } from 'vitest'
import { COMMAND_NAMES, parseCommand, type Command, type ParseResult } from '../../src/domain/commands/index.js'

const H = 3_600_000
const D = 24 * H
const not: ParseResult = { kind: 'not_command' }
const bad = (name: string, detail: string): ParseResult => ({ kind: 'error', code: 'bad_arguments', name, usageKey: name, detail })
const unknown = (name: string, suggestion?: string): ParseResult => ({ kind: 'error', code: 'unknown_command', name, ...(suggestion ? { suggestion } : {}) }) as ParseResult

/** Rows whose expected value is a Command parse to exactly that command, with the input kept as `raw`. */
function check(rows: Array<[string, Command | ParseResult]>) {
  it.each(rows)('%j', (input, expected) => {
    const want = 'kind' in expected ? expected : { kind: 'command', command: expected, raw: input }
    expect(parseCommand(input)).toEqual(want)
  })
}

describe('each command, happy path', () => {
  check([
    ['/help', { name: 'help', topic: null }],
    ['/help approve', { name: 'help', topic: 'approve' }],
    ['/help /Edit', { name: 'help', topic: 'edit' }],
    ['/help 通过', { name: 'help', topic: 'approve' }],
    ['/approve 12', { name: 'approve', draftId: 12, force: false }],
    ['/approve #12 force', { name: 'approve', draftId: 12, force: true }],
    ['/approve d12 FORCE', { name: 'approve', draftId: 12, force: true }],
    ['/通过 12', { name: 'approve', draftId: 12, force: false }],
    ['/edit 3 您好，资料已收到 😊', { name: 'edit', draftId: 3, text: '您好，资料已收到 😊' }],
    ['/edit 3   多个   空格  保留  ', { name: 'edit', draftId: 3, text: '多个   空格  保留' }],
    ['/edit 3 第一行\n第二行', { name: 'edit', draftId: 3, text: '第一行\n第二行' }],
    ['/edit 3 👨‍👩‍👧 家人', { name: 'edit', draftId: 3, text: '👨‍👩‍👧 家人' }], // the joiners inside the emoji survive
    ['/reject 4', { name: 'reject', draftId: 4, reason: null }],
    ['/reject 4 已电话沟通', { name: 'reject', draftId: 4, reason: '已电话沟通' }],
    ['/take 5', { name: 'take', target: 'draft', id: 5 }],
    ['/take d5', { name: 'take', target: 'draft', id: 5 }],
    ['/take draft 5', { name: 'take', target: 'draft', id: 5 }],
    ['/take c5', { name: 'take', target: 'case', id: 5 }],
    ['/take #C5', { name: 'take', target: 'case', id: 5 }],
    ['/take case 5', { name: 'take', target: 'case', id: 5 }],
    ['/take 案件 #5', { name: 'take', target: 'case', id: 5 }],
    ['/case 9', { name: 'case', caseId: 9 }],
    ['/case #9', { name: 'case', caseId: 9 }],
    ['/case C9', { name: 'case', caseId: 9 }],
    ['/cases', { name: 'cases', filter: 'open' }],
    ['/cases overdue', { name: 'cases', filter: 'overdue' }],
    ['/cases MINE', { name: 'cases', filter: 'mine' }],
    ['/open 老张 售后 空调异响', { name: 'open', customer: '老张', serviceType: 'after_sales', note: '空调异响' }],
    ['/open zhao material', { name: 'open', customer: 'zhao', serviceType: 'material', note: null }],
    ['/open 老李 协调', { name: 'open', customer: '老李', serviceType: 'partner_coordination', note: null }],
    ['/wait 9 waiting_partner', { name: 'wait', caseId: 9, state: 'waiting_partner', dueInMs: null }],
    ['/wait 9 waiting_partner in 4h', { name: 'wait', caseId: 9, state: 'waiting_partner', dueInMs: 4 * H }],
    ['/done 9', { name: 'done', caseId: 9, note: null }],
    ['/done 9 客户确认完成', { name: 'done', caseId: 9, note: '客户确认完成' }],
    ['/cancel 9 客户不需要了', { name: 'cancel', caseId: 9, reason: '客户不需要了' }],
    ['/executor 9 @张太太', { name: 'executor', caseId: 9, mention: '@张太太', mentionIndex: 0 }],
    ['/assign 9 @陈明', { name: 'assign', caseId: 9, mention: '@陈明', mentionIndex: 0 }],
    ['/remind 9', { name: 'remind', caseId: 9, inMs: 0 }],
    ['/remind 9 now', { name: 'remind', caseId: 9, inMs: 0 }],
    ['/remind 9 in 30m', { name: 'remind', caseId: 9, inMs: 1_800_000 }],
    ['/snooze 9 1天 客户出差', { name: 'snooze', caseId: 9, forMs: D, reason: '客户出差' }],
    ['/snooze 9 2h', { name: 'snooze', caseId: 9, forMs: 2 * H, reason: null }],
    ['/stats', { name: 'stats', period: '7d' }],
    ['/stats 30d', { name: 'stats', period: '30d' }],
    ['/recall 7', { name: 'recall', draftId: 7 }],
    ['/auto material_received on', { name: 'auto', category: 'material_received', enabled: true }],
    ['/auto reminder OFF', { name: 'auto', category: 'reminder', enabled: false }],
    ['/tag 张先生 VIP', { name: 'tag', contact: '张先生', tag: 'VIP' }],
    ['/打标签 wx-zhao 会员', { name: 'tag', contact: 'wx-zhao', tag: '会员' }],
    ['/untag 张先生 VIP', { name: 'untag', contact: '张先生', tag: 'VIP' }],
    ['/tags 张先生', { name: 'tags', contact: '张先生' }],
    ['/标签 张先生', { name: 'tags', contact: '张先生' }],
    ['/churn', { name: 'churn', action: 'list', task: null, outcome: null, note: null }],
    ['/churn close 12 挽回 已电话回访', { name: 'churn', action: 'close', task: '12', outcome: '挽回', note: '已电话回访' }],
    ['/流失预警 close #3 lost', { name: 'churn', action: 'close', task: '#3', outcome: 'lost', note: null }],
  ])

  it('covers every declared command', () => {
    const named = new Set([
      'help',
      'approve',
      'edit',
      'reject',
      'take',
      'case',
      'cases',
      'open',
      'wait',
      'done',
      'cancel',
      'executor',
      'assign',
      'remind',
      'snooze',
      'stats',
      'recall',
      'auto',
      'tag',
      'untag',
      'tags',
      'churn',
    ])
    expect(new Set(COMMAND_NAMES)).toEqual(named)
  })
})

describe('case states by the names Baton shows', () => {
  const stateNames = new Map([['等待服务方处理', 'waiting_partner']])
  it('takes a state by its displayed name when the caller supplies the names', () => {
    expect(parseCommand('/wait 9 等待服务方处理 in 4h', { stateNames })).toEqual({
      kind: 'command',
      command: { name: 'wait', caseId: 9, state: 'waiting_partner', dueInMs: 4 * 3_600_000 },
      raw: '/wait 9 等待服务方处理 in 4h',
    })
    expect(parseCommand('/wait 9 等待服务方处理')).toMatchObject({ kind: 'error', code: 'bad_arguments', detail: 'invalid:state' })
  })
})

describe('durations in English and Chinese', () => {
  check([
    ['/wait 9 waiting_executor in 2小时', { name: 'wait', caseId: 9, state: 'waiting_executor', dueInMs: 2 * H }],
    ['/wait 9 waiting_executor in 30分钟', { name: 'wait', caseId: 9, state: 'waiting_executor', dueInMs: 1_800_000 }],
    ['/wait 9 waiting_executor in 1d', { name: 'wait', caseId: 9, state: 'waiting_executor', dueInMs: D }],
    ['/wait 9 waiting_executor 1天', { name: 'wait', caseId: 9, state: 'waiting_executor', dueInMs: D }], // `in` may be left out
    ['/wait 9 waiting_executor in 1d 12h', { name: 'wait', caseId: 9, state: 'waiting_executor', dueInMs: 36 * H }],
    ['/remind 9 in 2 小时', { name: 'remind', caseId: 9, inMs: 2 * H }],
    ['/remind 9 IN 1D', { name: 'remind', caseId: 9, inMs: D }],
    ['/snooze 9 30m', { name: 'snooze', caseId: 9, forMs: 1_800_000, reason: null }],
    ['/wait 9 waiting_partner in soon', bad('wait', 'invalid:dueInMs')],
    ['/wait 9 waiting_partner in', bad('wait', 'invalid:dueInMs')],
    ['/wait 9 waiting_partner in -2h', bad('wait', 'invalid:dueInMs')],
    ['/remind 9 later', bad('remind', 'invalid:inMs')],
    ['/snooze 9 tomorrow', bad('snooze', 'invalid:forMs')],
    ['/snooze 9 0h', bad('snooze', 'invalid:forMs')],
    ['/snooze 9 9999d', bad('snooze', 'invalid:forMs')], // over a year: a typo, not a plan
  ])
})

describe('spacing, mentions and look-alike characters', () => {
  const approve12: Command = { name: 'approve', draftId: 12, force: false }
  check([
    ['／approve 12', approve12],
    ['   /approve     12   ', approve12],
    ['\t/approve\t12\t', approve12],
    ['/ approve 12', approve12],
    ['/approve\u300012', approve12],
    ['/APPROVE 12', approve12],
    ['/Approve 12', approve12],
    ['/ａｐｐｒｏｖｅ １２', approve12],
    ['/approve ＃12', approve12],
    ['/approve12', approve12],
    ['/approve#12', approve12],
    ['@Baton\u2005/approve 12', approve12],
    ['@Baton /approve 12', approve12],
    ['＠Baton\u2005／approve 12', approve12],
    ['@Baton助手 @王小美 /approve 12', approve12],
    ['@Baton\u2005@王小美\u2005 \t/approve 12', approve12],
    ['@Baton/approve 12', approve12],
    ['/ap\u200bprove 12', approve12],
    ['\u200b/approve 1\u200b2', approve12],
    ['\ufeff/approve 12\u200d', approve12],
    ['@Baton\u2005/assign 9 @陈明', { name: 'assign', caseId: 9, mention: '@陈明', mentionIndex: 1 }],
    ['@Baton @王 /executor 9\u2005＠张太太', { name: 'executor', caseId: 9, mention: '＠张太太', mentionIndex: 2 }],
  ])
})

describe('ordinary chat is not a command', () => {
  check([
    ['', not],
    ['好的/收到', not],
    ['资料已上传 /approve 12', not],
    ['@Baton 你好 /approve 12', not],
    ['@Baton', not],
    ['/usr/bin/env', not],
    ['/123', not],
    ['/-3', not],
    ['//', not],
    ['// approve 12', not],
    ['http://example.com/approve', not],
    ['/微笑', not],
    ['/::)', not],
    ['/😀', not],
    ['/approved/yes', not],
    ['x'.repeat(5000), not], // a long message from a customer is still just a message
  ])
})

describe('malformed commands', () => {
  check([
    ['/', { kind: 'error', code: 'empty' }],
    ['/ ', { kind: 'error', code: 'empty' }],
    ['／\t ', { kind: 'error', code: 'empty' }],
    ['@Baton\u2005/', { kind: 'error', code: 'empty' }],
    ['/aprove 1', unknown('aprove', 'approve')],
    ['/APROVE 1', unknown('aprove', 'approve')],
    ['/stat', unknown('stat', 'stats')],
    ['/cancle 3 x', unknown('cancle', 'cancel')],
    ['/help aprove', unknown('aprove', 'approve')],
    ['/frobnicate', unknown('frobnicate')],
    ['/ok', unknown('ok')],
    [`/${'a'.repeat(100)}`, unknown('a'.repeat(32))],
    ['/approve', bad('approve', 'missing:draftId')],
    ['/approve abc', bad('approve', 'invalid:draftId')],
    ['/approve -3', bad('approve', 'invalid:draftId')],
    ['/approve 0', bad('approve', 'invalid:draftId')],
    ['/approve 1.5', bad('approve', 'invalid:draftId')],
    ['/approve 99999999999999', bad('approve', 'invalid:draftId')],
    ['/approve c12', bad('approve', 'invalid:draftId')], // a case number where a draft is expected
    ['/approve 😀', bad('approve', 'invalid:draftId')],
    ['/approve 12 please', bad('approve', 'invalid:force')],
    ['/approve 12 force now', bad('approve', 'unexpected:now')],
    ['/edit 3', bad('edit', 'missing:text')],
    ['/edit', bad('edit', 'missing:draftId')],
    ['/reject 四', bad('reject', 'invalid:draftId')],
    ['/take', bad('take', 'missing:target')],
    ['/take case', bad('take', 'invalid:target')],
    ['/take case d5', bad('take', 'invalid:target')],
    ['/take 5 6', bad('take', 'unexpected:6')],
    ['/case d9', bad('case', 'invalid:caseId')],
    ['/case 9 10', bad('case', 'unexpected:10')],
    ['/cases everything', bad('cases', 'invalid:filter')],
    ['/open 老张', bad('open', 'missing:serviceType')],
    ['/open 老张 星际旅行', bad('open', 'invalid:serviceType')],
    ['/wait 9', bad('wait', 'missing:state')],
    ['/wait 9 sleeping', bad('wait', 'invalid:state')],
    ['/done', bad('done', 'missing:caseId')],
    ['/cancel 9', bad('cancel', 'missing:reason')],
    ['/executor 9', bad('executor', 'missing:mention')],
    ['/executor 9 张太太', bad('executor', 'invalid:mention')],
    ['/assign 9 @陈明 @王', bad('assign', 'unexpected:@王')],
    ['/remind', bad('remind', 'missing:caseId')],
    ['/snooze 9', bad('snooze', 'missing:forMs')],
    ['/stats 90d', bad('stats', 'invalid:period')],
    ['/recall', bad('recall', 'missing:draftId')],
    ['/auto', bad('auto', 'missing:category')],
    ['/auto reminder', bad('auto', 'missing:enabled')],
    ['/auto reminder maybe', bad('auto', 'invalid:enabled')],
    ['/auto teleport on', bad('auto', 'invalid:category')],
  ])
})

describe('length limit', () => {
  it('refuses a command longer than the limit without reading all of it', () => {
    expect(parseCommand(`/edit 1 ${'长'.repeat(5000)}`)).toEqual({ kind: 'error', code: 'too_long' })
    expect(parseCommand(`@Baton\u2005/edit 1 ${'x'.repeat(1_000_000)}`)).toEqual({ kind: 'error', code: 'too_long' })
    expect(parseCommand(`/${' '.repeat(5000)}`)).toEqual({ kind: 'error', code: 'too_long' })
  })
  it('honours maxLength', () => {
    expect(parseCommand('/edit 1 您好', { maxLength: 8 })).toEqual({ kind: 'error', code: 'too_long' })
    expect(parseCommand('/edit 1 您好', { maxLength: 10 })).toMatchObject({ kind: 'command' })
    expect(parseCommand('好的/收到，谢谢', { maxLength: 3 })).toEqual(not)
  })
})
