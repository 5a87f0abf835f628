// One draft waiting for review, with the same approve / edit / reject / take as the chat
// commands: shown in the review queue and, among everything that needs a person, in the
// attention view.
import { api } from '../api.js'
import { add, clear, flash, h } from '../dom.js'
import { category, describeError, hitsText, label, nameOf, timeEl } from '../format.js'

export function draftCard(d, { ctx, reload, canAct }) {
  const result = h('p', { class: 'result', role: 'status' })
  const card = h('article', { class: 'card draft', id: `draft-${d.id}`, dataset: { id: d.id } })
  const act = async (path, body, done) => {
    for (const b of card.querySelectorAll('button')) b.disabled = true
    try {
      const r = await api(`/drafts/${d.id}/${path}`, { method: 'POST', body: body ?? {} })
      if (r && r.result === 'edit_blocked') {
        showBlocked(r.hits ?? r.details?.hits)
        return
      }
      flash(`草稿#${d.id}：${done(r)}`, 'ok')
      await reload()
    } catch (err) {
      if (err.code === 'unauthorized') return ctx.failed(err)
      if (err.code === 'edit_blocked' || err.code === 'leak_guard') return showBlocked(err.details.hits)
      result.className = 'result error'
      result.textContent = describeError(err)
      // someone else decided it meanwhile: the card stays with the reason, the queue refreshes later
    } finally {
      for (const b of card.querySelectorAll('button')) b.disabled = false
    }
  }
  const showBlocked = (hits) => {
    result.className = 'result error'
    add(clear(result), `修改未通过外发检查，未发送：${hitsText(hits)}。请重新修改，或点「批准发送原草稿」发送上面的原文`, ctx.me.role === 'supervisor' ? '；主管也可强制发送修改稿。' : '。')
    approve.textContent = '批准发送原草稿'
    if (ctx.me.role === 'supervisor' && !card.querySelector('.force')) actions.append(forceButton())
  }
  const forceButton = () =>
    h(
      'button',
      {
        type: 'button',
        class: 'danger force',
        onclick: () => {
          if (confirm('确认强制发送未通过外发检查的修改稿？该操作会记录在证据链中。')) act('approve', { force: true }, () => '已强制发送修改稿')
        },
      },
      '强制发送修改稿',
    )

  const editor = h(
    'form',
    { class: 'editor', hidden: true },
    h('label', {}, '修改后发送给客户的文本'),
    h('textarea', { name: 'text', rows: 4, maxlength: 4000, required: true }, d.finalText || d.text),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit' }, '发送修改'),
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: () => {
            editor.hidden = true
          },
        },
        '取消',
      ),
    ),
  )
  editor.addEventListener('submit', (e) => {
    e.preventDefault()
    act('edit', { text: editor.text.value }, () => '修改后的文本已发送')
  })
  const rejecter = h(
    'form',
    { class: 'editor', hidden: true },
    h('label', {}, '驳回原因（可选）'),
    h('input', { type: 'text', name: 'reason', maxlength: 500 }),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', class: 'danger' }, '确认驳回'),
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: () => {
            rejecter.hidden = true
          },
        },
        '取消',
      ),
    ),
  )
  rejecter.addEventListener('submit', (e) => {
    e.preventDefault()
    const reason = rejecter.reason.value.trim()
    act('reject', reason ? { reason } : {}, () => '已驳回，不会发送')
  })
  // after a blocked edit, approving sends the original shown above (the server says which text went out)
  const approve = h(
    'button',
    { type: 'button', class: 'primary approve', onclick: () => act('approve', {}, (r) => (r && r.sent === 'original' ? '已批准，发送的是原草稿（修改稿未发送）' : '已批准，正在发送给客户')) },
    '批准发送',
  )
  const actions = h(
    'div',
    { class: 'actions' },
    approve,
    h(
      'button',
      {
        type: 'button',
        class: 'edit',
        onclick: () => {
          editor.hidden = !editor.hidden
          rejecter.hidden = true
        },
      },
      '修改',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'reject',
        onclick: () => {
          rejecter.hidden = !rejecter.hidden
          editor.hidden = true
        },
      },
      '驳回',
    ),
    h('button', { type: 'button', class: 'take', onclick: () => act('take', {}, () => '已由你接手，不会自动发送') }, '接手'),
  )

  const risks = Array.isArray(d.risks) ? d.risks : []
  const blockedEdit = d.status === 'pending' && d.finalText && d.finalText !== d.text
  if (blockedEdit) approve.textContent = '批准发送原草稿'
  if (blockedEdit && ctx.me.role === 'supervisor') actions.append(forceButton())
  const candidates = Array.isArray(d.candidates) ? d.candidates : []
  add(
    card,
    h(
      'header',
      {},
      h('strong', {}, `草稿#${d.id}`),
      h('span', { class: 'tag' }, category(d.category)),
      d.caseId ? h('a', { href: `#/cases/${d.caseId}` }, `案件#${d.caseId}`) : h('span', { class: 'tag warn' }, '未关联案件'),
      d.source ? h('span', { class: 'muted source' }, `来自：${d.source.group || '私聊'}｜${d.source.speaker}`) : null,
      h('span', { class: 'muted' }, `发往：${d.targetGroupName || nameOf(d.targetGroupKey)}`),
      h('span', { class: 'muted' }, '生成于 ', timeEl(d.createdAt)),
      d.expiresAt ? h('span', { class: 'muted' }, '过期 ', timeEl(d.expiresAt)) : null,
    ),
    risks.length
      ? h(
          'div',
          { class: 'risks' },
          '风险：',
          risks.map((r) => h('span', { class: 'tag risk' }, label('riskFlags', r))),
        )
      : null,
    h('section', { class: 'text customer' }, h('div', { class: 'caption' }, '客户将看到（客户安全文本）'), h('div', { class: 'body' }, d.text)),
    // a pending draft with a final text is an edit the leak guard stopped (a passing edit is sent at once)
    blockedEdit ? h('section', { class: 'text blocked' }, h('div', { class: 'caption' }, '修改稿未通过外发检查：不会发送，除非主管强制发送'), h('div', { class: 'body' }, d.finalText)) : null,
    d.original ? h('section', { class: 'text internal' }, h('div', { class: 'caption' }, '〔内部原文·勿外发〕'), h('div', { class: 'body' }, d.original)) : null,
    candidates.length
      ? h(
          'div',
          { class: 'candidates' },
          '可能对应的案件：',
          candidates.map((c) => h('a', { href: `#/cases/${c}` }, `#${c}`)),
        )
      : null,
    canAct ? [actions, editor, rejecter] : h('p', { class: 'muted' }, '只读令牌不能审核。'),
    result,
  )
  return card
}
