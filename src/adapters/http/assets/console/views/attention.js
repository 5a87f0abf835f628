// The attention queue: messages Baton could not answer with a draft, waiting for a person.
// "已处理" calls the same use case as a person acting in chat: the case stops waiting for a person.
import { api } from '../api.js'
import { add, clear, flash, h } from '../dom.js'
import { describeError, label, nameOf, when } from '../format.js'

export async function renderAttention(view, ctx) {
  const list = h('div', { id: 'attention' }, h('p', { class: 'muted' }, '加载中…'))
  const stamp = h('span', { class: 'muted' })
  view.append(
    h('div', { class: 'toolbar' },
      h('h2', {}, '需要人工处理'),
      stamp,
      h('button', { type: 'button', onclick: () => load() }, '刷新'),
    ),
    h('p', { class: 'muted' }, 'Baton 无法用草稿答复的消息（投诉、安全隐患、更改地址、要求人工等）。处理后点「已处理」；在群里回复客户或处理该案件的草稿也会自动清除。'),
    list,
  )
  const canAct = ctx.me.role !== 'viewer'

  async function load() {
    let body
    try {
      body = await api('/attention')
    } catch (err) {
      if (err.unavailable) {
        clear(list).append(h('p', { class: 'error' }, describeError(err)))
        return
      }
      return ctx.failed(err)
    }
    stamp.textContent = `更新于 ${when(new Date().toISOString())}`
    ctx.attentionCount(body.total)
    clear(list)
    if (body.items.length === 0) list.append(h('p', { class: 'empty' }, '没有需要人工处理的消息。'))
    for (const item of body.items) list.append(itemCard(item))
    if (body.total > body.items.length) list.append(h('p', { class: 'muted' }, `仅显示最新的 ${body.items.length} 条，共 ${body.total} 条待处理。`))
  }

  function itemCard(a) {
    const result = h('p', { class: 'result', role: 'status' })
    const card = h('article', { class: 'card draft attention', id: `attention-${a.id}`, dataset: { id: a.id } })
    const note = h('input', { type: 'text', name: 'note', maxlength: 500, placeholder: '例如：已电话联系客户' })
    const form = h('form', { class: 'editor', hidden: true },
      h('label', {}, '处理说明（可选，记入证据链）'),
      note,
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'primary' }, '确认已处理'),
        h('button', { type: 'button', class: 'link', onclick: () => { form.hidden = true } }, '取消'),
      ),
    )
    form.addEventListener('submit', async (e) => {
      e.preventDefault()
      for (const b of card.querySelectorAll('button')) b.disabled = true
      try {
        const text = note.value.trim()
        await api(`/attention/${a.id}/clear`, { method: 'POST', body: text ? { note: text } : {} })
        flash(`事项#${a.id}：已标记为已处理`, 'ok')
        await load()
      } catch (err) {
        if (err.code === 'unauthorized') return ctx.failed(err)
        // someone cleared it meanwhile: the card stays with who and when, the queue refreshes later
        result.className = 'result error'
        result.textContent = describeError(err)
      } finally {
        for (const b of card.querySelectorAll('button')) b.disabled = false
      }
    })
    const reasons = Array.isArray(a.reasonLabels) && a.reasonLabels.length ? a.reasonLabels : (a.reasons || []).map((r) => label('riskFlags', r))
    add(card,
      h('header', {},
        h('strong', {}, `事项#${a.id}`),
        a.caseId ? h('a', { href: `#/cases/${a.caseId}` }, `案件#${a.caseId}`) : h('span', { class: 'tag warn' }, '未关联案件'),
        a.customer ? h('span', {}, `客户：${nameOf(a.customer)}`) : null,
        h('span', { class: 'muted' }, `来自：${a.group ? nameOf(a.group) : '私聊'}｜${nameOf(a.speaker)}`),
        h('span', { class: 'muted' }, `收到于 ${when(a.createdAt)}`),
        // a repeat within the same open matter is queued without another chat notice
        a.notified ? null : h('span', { class: 'tag' }, '未重复提醒'),
      ),
      reasons.length ? h('div', { class: 'risks' }, '原因：', reasons.map((r) => h('span', { class: 'tag risk' }, r))) : null,
      h('section', { class: 'text internal' },
        h('div', { class: 'caption' }, '〔内部原文·勿外发〕'),
        h('div', { class: 'body' }, a.text),
      ),
      canAct
        ? [h('div', { class: 'actions' }, h('button', { type: 'button', class: 'clear', onclick: () => { form.hidden = !form.hidden; if (!form.hidden) note.focus() } }, '已处理')), form]
        : h('p', { class: 'muted' }, '只读令牌不能标记处理。'),
      result,
    )
    return card
  }

  await load()
  // keep the queue fresh, but never under someone's half-written note
  const timer = setInterval(() => {
    if (!view.querySelector('form.editor:not([hidden])') && document.visibilityState === 'visible') load().catch(() => undefined)
  }, 15000)
  ctx.onLeave(() => clearInterval(timer))
}
