// One case: who waits for whom until when, its drafts, and its evidence timeline.
import { api } from '../api.js'
import { h } from '../dom.js'
import { category, describeError, DRAFT_STATUS, label, nameOf, when } from '../format.js'

export async function renderCase(view, ctx, id) {
  view.append(h('p', { class: 'muted' }, '加载中…'))
  let body
  try {
    body = await api(`/cases/${id}`)
  } catch (err) {
    view.textContent = ''
    if (err.code === 'unauthorized') return ctx.failed(err)
    view.append(h('p', { class: 'error' }, describeError(err)), h('a', { href: '#/cases' }, '返回案件列表'))
    return
  }
  view.textContent = ''
  const c = body.case || {}
  const field = (k, v) => [h('dt', {}, k), h('dd', {}, v)]
  view.append(
    h('div', { class: 'toolbar' },
      h('a', { href: '#/cases' }, '← 案件'),
      h('h2', {}, `案件#${c.id}｜${nameOf(c.customer)}｜${label('serviceTypes', c.serviceType)}`),
      h('a', { href: `/api/v1/cases/${c.id}/evidence.html`, target: '_blank', rel: 'noopener', class: 'button', id: 'evidence-link' }, '打印证据页'),
      h('a', { href: `/api/v1/cases/${c.id}/evidence`, target: '_blank', rel: 'noopener' }, '证据 JSON'),
    ),
    h('dl', { class: 'card facts' + (c.overdue ? ' overdue' : '') },
      field('状态', label('states', c.state)),
      field('等待', label('parties', c.waitingParty)),
      field('截止', [when(c.dueAt), c.overdue ? h('span', { class: 'tag overdue' }, '已超时') : null]),
      field('已提醒', `${c.reminderCount ?? 0} 次`),
      c.attentionSince ? field('待人工处理', [when(c.attentionSince), ' 起 ', h('span', { class: 'tag warn' }, '需要人工处理')]) : null,
      field('负责人', nameOf(c.owner)),
      field('联系人', nameOf(c.contact)),
      field('执行人', nameOf(c.executor)),
      field('服务方', nameOf(c.partner)),
      field('客户群', nameOf(c.groupKey)),
      Array.isArray(c.missingItems) && c.missingItems.length ? field('缺少资料', c.missingItems.join('、')) : null,
      c.cancellationReason ? field('取消原因', c.cancellationReason) : null,
      field('建立', when(c.createdAt)),
      field('更新', when(c.updatedAt)),
    ),
  )

  // open attention items: what on this case waits for a person (cleared in the attention queue)
  const attention = Array.isArray(body.attention) ? body.attention : []
  if (attention.length) {
    view.append(h('h3', {}, `需要人工处理（${attention.length} 条）`), h('div', { class: 'card attention-open', id: 'case-attention' },
      h('ul', {}, attention.map((a) => h('li', {},
        h('span', { class: 'muted' }, `${when(a.createdAt)}｜${nameOf(a.speaker)}：`),
        a.text,
        ' ',
        (a.reasonLabels || []).map((r) => h('span', { class: 'tag risk' }, r)),
      ))),
      h('a', { href: '#/attention' }, '去处理'),
    ))
  }

  const drafts = Array.isArray(body.drafts) ? body.drafts : []
  if (drafts.length) {
    view.append(h('h3', {}, '草稿'), h('table', { class: 'drafts' },
      h('thead', {}, h('tr', {}, ['草稿', '类别', '状态', '文本', '处理人', '时间'].map((t) => h('th', {}, t)))),
      h('tbody', {}, drafts.map((d) => h('tr', {},
        h('td', {}, d.status === 'pending' ? h('a', { href: '#/review' }, `#${d.id}`) : `#${d.id}`),
        h('td', {}, category(d.category)),
        h('td', {}, DRAFT_STATUS[d.status] || d.status),
        h('td', { class: 'wrap' }, d.finalText || d.text),
        h('td', {}, nameOf(d.decidedBy)),
        h('td', { class: 'muted' }, when(d.decidedAt || d.createdAt)),
      ))),
    ))
  }

  const timeline = Array.isArray(body.timeline) ? body.timeline : []
  // actors are ids; the case's own people can be shown by name
  const names = new Map([['baton', 'Baton']])
  for (const ref of [c.contact, c.executor, c.owner]) if (ref && typeof ref === 'object' && ref.key) names.set(ref.key, ref.name)
  const actor = (e) => e.actorName || names.get(e.actor) || nameOf(e.actor)
  view.append(h('h3', {}, `时间线与证据（${timeline.length} 条）`),
    h('ol', { class: 'timeline', id: 'timeline' }, timeline.map((e) => h('li', { class: 'event ' + (e.kind || '') },
      h('time', {}, when(e.at)),
      h('strong', {}, label('events', e.kind)),
      h('span', { class: 'muted' }, actor(e)),
      h('div', { class: 'what' }, e.summary || summarize(e)),
      e.payload ? h('details', {}, h('summary', {}, '详情'), h('pre', {}, JSON.stringify(e.payload, null, 2))) : null,
    ))),
  )
}

/** A line for an evidence event when the API gives no summary of its own. */
function summarize(e) {
  const p = e.payload || {}
  switch (e.kind) {
    case 'state_changed': return `${label('states', p.from)} → ${label('states', p.to)}${p.reason ? `（${p.reason}）` : ''}`
    case 'transition_refused': return `${label('states', p.from)} ↛ ${label('states', p.to)}`
    case 'draft_created': return `草稿#${p.draftId}（${category(p.category)}）${p.text ? '：' + p.text : ''}`
    case 'draft_decided': return `草稿#${p.draftId}：${DRAFT_STATUS[p.decision] || p.decision || ''}${p.text ? '：' + p.text : ''}`
    case 'delivery': return `${p.status === 'sent' ? '已送达' : p.status || ''}${p.group ? ' → ' + p.group : ''}${p.reason ? `（${p.reason}）` : ''}`
    case 'writeback': return p.text || ''
    default: return p.text || p.note || p.reason || ''
  }
}
