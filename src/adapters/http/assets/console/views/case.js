// One case: who waits for whom until when, its drafts, and its evidence timeline.
import { api } from '../api.js'
import { h } from '../dom.js'
import { category, describeError, draftStatus, label, nameOf, timeEl, when } from '../format.js'

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
    h(
      'div',
      { class: 'toolbar' },
      h('a', { href: '#/cases' }, '← 案件'),
      h('h2', {}, `案件#${c.id}｜${nameOf(c.customer)}｜${label('serviceTypes', c.serviceType)}`),
      h('a', { href: `/api/v1/cases/${c.id}/evidence.html`, target: '_blank', rel: 'noopener', class: 'button', id: 'evidence-link' }, '打印证据页'),
      h('a', { href: `/api/v1/cases/${c.id}/evidence`, target: '_blank', rel: 'noopener', title: '供系统对接使用的原始数据' }, '导出原始证据'),
    ),
    h(
      'dl',
      { class: 'card facts' + (c.overdue ? ' overdue' : '') },
      field('状态', label('states', c.state)),
      field('等待', label('parties', c.waitingParty)),
      field('截止', [timeEl(c.dueAt), c.overdue ? h('span', { class: 'tag overdue' }, '已超时') : null]),
      field('已提醒', `${c.reminderCount ?? 0} 次`),
      c.attentionSince ? field('待人工处理', [timeEl(c.attentionSince), ' 起 ', h('span', { class: 'tag warn' }, '需要人工处理')]) : null,
      field('负责人', nameOf(c.owner)),
      field('联系人', nameOf(c.contact)),
      field('执行人', nameOf(c.executor)),
      field('服务方', nameOf(c.partner)),
      field('客户群', c.groupName || '—'),
      Array.isArray(c.missingItems) && c.missingItems.length ? field('缺少资料', c.missingItems.join('、')) : null,
      c.cancellationReason ? field('取消原因', c.cancellationReason) : null,
      field('建立', timeEl(c.createdAt)),
      field('更新', timeEl(c.updatedAt)),
    ),
  )

  // open attention items: what on this case waits for a person (cleared in the attention queue)
  const attention = Array.isArray(body.attention) ? body.attention : []
  if (attention.length) {
    view.append(
      h('h3', {}, `需要人工处理（${attention.length} 条）`),
      h(
        'div',
        { class: 'card attention-open', id: 'case-attention' },
        h(
          'ul',
          {},
          attention.map((a) =>
            h(
              'li',
              {},
              h('span', { class: 'muted' }, timeEl(a.createdAt), `｜${nameOf(a.speaker)}：`),
              a.text,
              ' ',
              (a.reasonLabels || []).map((r) => h('span', { class: 'tag risk' }, r)),
            ),
          ),
        ),
        h('a', { href: '#/attention' }, '去处理'),
      ),
    )
  }

  const drafts = Array.isArray(body.drafts) ? body.drafts : []
  if (drafts.length) {
    view.append(
      h('h3', {}, '草稿'),
      h(
        'table',
        { class: 'drafts' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['草稿', '类别', '状态', '文本', '处理人', '时间'].map((t) => h('th', {}, t)),
          ),
        ),
        h(
          'tbody',
          {},
          drafts.map((d) =>
            h(
              'tr',
              {},
              h('td', {}, d.status === 'pending' ? h('a', { href: '#/review' }, `#${d.id}`) : `#${d.id}`),
              h('td', {}, category(d.category)),
              h('td', {}, draftStatus(d.status)),
              h('td', { class: 'wrap' }, d.finalText || d.text),
              h('td', {}, d.decidedByName || (d.decidedBy ? '—' : '')),
              h('td', { class: 'muted' }, timeEl(d.decidedAt || d.createdAt)),
            ),
          ),
        ),
      ),
    )
  }

  const timeline = Array.isArray(body.timeline) ? body.timeline : []
  // each event is a sentence the server tells from the wording (names, states, reasons in
  // words, times in the tenant's zone); the stored record with its ids is one click away
  view.append(
    h('h3', {}, `时间线与证据（${timeline.length} 条）`),
    h(
      'ol',
      { class: 'timeline', id: 'timeline' },
      timeline.map((e) =>
        h(
          'li',
          { class: 'event ' + (e.kind || '') },
          h('time', { datetime: e.at }, when(e.at)),
          h('strong', {}, label('events', e.kind)),
          h('div', { class: 'what' }, e.sentence || `${e.actorName || '—'}：${label('events', e.kind)}`),
          h('details', {}, h('summary', {}, '原始记录'), h('pre', {}, JSON.stringify({ seq: e.seq, kind: e.kind, actor: e.actor, payload: e.payload }, null, 2))),
        ),
      ),
    ),
  )
}
