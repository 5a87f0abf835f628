import { describe, expect, it } from 'vitest'
import { Directory } from '../../src/app/directory.js'
import { actorName, describeEvidence } from '../../src/app/evidence-sentence.js'
import { loadTenant } from '../../src/config/load-tenant.js'
import { loadWordingDir } from '../../src/config/load-wording-dir.js'

const deps = {
  directory: new Directory(loadTenant('config/sandbox.yaml')),
  wording: loadWordingDir('config/wording'),
  timeZone: 'Asia/Shanghai',
  draftGroups: new Map([[1, 'cust-zhang']]),
}
const at = '2026-12-06T03:03:00.000Z'
const say = (kind: string, actor: string, payload: Record<string, unknown>) => describeEvidence(deps, { kind, actor, at, payload })

describe('evidence events told as Chinese sentences', () => {
  it.each([
    ['a decision names who, which draft and where it goes', 'draft_decided', 'wx-handler-wang', { draftId: 1, decision: 'approved', forced: false }, '王小美批准了草稿#1，发往「张先生·空调安装服务群」'],
    [
      'the original sent after a blocked edit says so',
      'draft_decided',
      'wx-handler-wang',
      { draftId: 1, decision: 'approved', forced: false, droppedEdit: '加我微信' },
      '王小美批准了草稿#1，发送的是原文（被外发检查拦下的修改稿未发送），发往「张先生·空调安装服务群」',
    ],
    ['a rejection keeps the typed reason', 'draft_decided', 'wx-supervisor-liu', { draftId: 2, decision: 'rejected', reason: '已电话沟通' }, '刘主管驳回了草稿#2：已电话沟通'],
    [
      "Baton's own reason in words, the due time in the tenant's zone",
      'state_changed',
      'wx-partner-li',
      { from: 'requested', to: 'waiting_contact_coordination', reason: 'partner request; the contact must coordinate the executor', dueAt: '2026-12-06T03:13:00.000Z' },
      '李师傅把案件状态从「已受理」改为「等待联系人协调执行人」：服务方请求客户配合，需联系人协调执行人，截止 12/06 11:13',
    ],
    [
      'an English reason it does not know stays in the raw record',
      'state_changed',
      'baton',
      { from: 'waiting_executor', to: 'completed', reason: 'some new internal reason' },
      '系统（自动）把案件状态从「等待执行人配合」改为「已完成」',
    ],
    ['a delivery names the group', 'delivery', 'baton', { sendKind: 'draft', draftId: 1, group: 'cust-zhang', status: 'failed', attempts: 3 }, '草稿#1发送到「张先生·空调安装服务群」失败（已尝试 3 次）'],
    ['a console token without a person', 'attention_cleared', 'api:ops', { note: 'cleared through the API' }, '控制台令牌「ops」处理了需要人工处理的事项：已在控制台标记处理'],
    ['supersedes recorded with unknown ids are not "#null"', 'draft_superseded', 'baton', { draftIds: [null, null] }, '草稿（较早的）被同类的新草稿取代，不再发送'],
    ['a message in a group', 'message', 'wx-zhang', { group: 'cust-zhang', type: 'text', text: '好了', mode: 'review_before_send' }, '张先生在「张先生·空调安装服务群」说：“好了”（Baton 的处理：审核后发送）'],
  ])('%s', (_what, kind, actor, payload, sentence) => {
    expect(say(kind, actor, payload)).toBe(sentence)
  })

  it('names actors: people by name, the system in words, a token named after a person as that person', () => {
    expect(actorName(deps, 'wx-handler-wang')).toBe('王小美')
    expect(actorName(deps, 'baton')).toBe('系统（自动）')
    expect(actorName(deps, 'api:wx-supervisor-liu')).toBe('刘主管')
    expect(actorName(deps, 'wx-stranger')).toBe('未登记成员')
  })
})
