// Everything that needs a person, oldest first: drafts waiting for review and the messages Baton
// could not answer with a draft (the attention queue). Each item offers what fits it: reply to
// the customer, open a case, take the case over, or mark it handled with a reason; each goes
// through the same use cases as chat and is recorded in the case's evidence trail.
import { api } from '../api.js'
import { add, clear, flash, h } from '../dom.js'
import { describeError, label, labelsOf, nameOf, timeEl, when } from '../format.js'
import { draftCard } from './draft-card.js'

const CUSTOMER_GROUPS = new Set(['customer', 'public_customer'])

export async function renderAttention(view, ctx) {
  const list = h('div', { id: 'attention' }, h('p', { class: 'muted' }, '加载中…'))
  const stamp = h('span', { class: 'muted' })
  view.append(
    h('div', { class: 'toolbar' }, h('h2', {}, '需要人工处理'), stamp, h('button', { type: 'button', onclick: () => load() }, '刷新')),
    h('p', { class: 'muted' }, '所有需要人处理的事，最早的在前：待审核的草稿，以及 Baton 无法用草稿答复的消息（投诉、安全隐患、更改地址、要求人工等）。每个操作都会记入案件的证据链。'),
    list,
  )
  const canAct = ctx.me.role !== 'viewer'
  let customers = []
  try {
    customers = (await api('/directory')).customers || []
  } catch (err) {
    if (err.code === 'unauthorized') return ctx.failed(err)
  }

  async function load() {
    let items
    let drafts
    try {
      ;[items, drafts] = await Promise.all([api('/attention', { query: { order: 'oldest' } }), api('/drafts', { query: { status: 'pending' } })])
    } catch (err) {
      if (err.unavailable) {
        clear(list).append(h('p', { class: 'error' }, describeError(err)))
        return
      }
      return ctx.failed(err)
    }
    stamp.textContent = `更新于 ${when(new Date().toISOString())}`
    ctx.attentionCount(items.total)
    const all = [
      ...items.items.map((a) => ({ at: a.createdAt, card: () => itemCard(a) })),
      ...drafts.items.map((d) => ({ at: d.createdAt, card: () => marked(draftCard(d, { ctx, reload: load, canAct }), '待审核草稿') })),
    ].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0))
    clear(list)
    if (all.length === 0) list.append(h('p', { class: 'empty' }, '没有需要人工处理的事项。'))
    for (const entry of all) list.append(entry.card())
    if (items.total > items.items.length) list.append(h('p', { class: 'muted' }, `仅显示最早的 ${items.items.length} 条消息，共 ${items.total} 条待处理。`))
  }

  /** A tag at the head of a card saying what kind of work it is. */
  function marked(card, what) {
    const header = card.querySelector('header')
    if (header) header.prepend(h('span', { class: 'tag kind' }, what))
    return card
  }

  function itemCard(a) {
    const result = h('p', { class: 'result', role: 'status' })
    const card = h('article', { class: 'card draft attention', id: `attention-${a.id}`, dataset: { id: a.id } })
    const run = async (path, body, done) => {
      for (const b of card.querySelectorAll('button')) b.disabled = true
      try {
        const r = await api(`/attention/${a.id}/${path}`, { method: 'POST', body })
        flash(`事项#${a.id}：${done(r)}`, 'ok')
        await load()
      } catch (err) {
        if (err.code === 'unauthorized') return ctx.failed(err)
        // someone acted meanwhile, or the text was blocked: the card stays with the reason
        result.className = 'result error'
        result.textContent = describeError(err)
      } finally {
        for (const b of card.querySelectorAll('button')) b.disabled = false
      }
    }
    const forms = []
    const panel = (cls, ...children) => {
      const f = h('form', { class: 'editor ' + cls, hidden: true }, ...children)
      forms.push(f)
      return f
    }
    const toggle = (f, focus) => () => {
      const open = f.hidden
      for (const x of forms) x.hidden = true
      f.hidden = !open
      if (open && focus) focus.focus()
    }
    const cancel = (f) =>
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: () => {
            f.hidden = true
          },
        },
        '取消',
      )

    // dismiss: a person says what was done (or why nothing needs doing); kept in the trail
    const note = h('input', { type: 'text', name: 'note', maxlength: 500, required: true, placeholder: '例如：已电话联系客户' })
    const dismiss = panel('dismiss', h('label', {}, '处理说明（必填，记入证据链）'), note, h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, '确认已处理'), null))
    dismiss.querySelector('.row').append(cancel(dismiss))
    dismiss.addEventListener('submit', (e) => {
      e.preventDefault()
      const text = note.value.trim()
      if (!text) return note.focus()
      run('clear', { note: text }, () => '已标记为已处理')
    })

    // reply: goes to the group the customer spoke in, through the leak guard and the send queue
    const replyText = h('textarea', { name: 'text', rows: 3, maxlength: 4000, required: true, placeholder: '发给客户的回复（会经过外发检查）' })
    const reply = panel('reply', h('label', {}, `回复到「${a.group ? a.group.name : ''}」`), replyText, h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, '发送回复')))
    reply.querySelector('.row').append(cancel(reply))
    reply.addEventListener('submit', (e) => {
      e.preventDefault()
      const text = replyText.value.trim()
      if (!text) return replyText.focus()
      run('reply', { text }, () => '回复已提交发送')
    })

    // open a case: for the item's customer, or one picked when Baton could not tell whose it was
    const service = h(
      'select',
      { name: 'serviceType' },
      Object.entries(labelsOf('serviceTypes')).map(([k, v]) => h('option', { value: k }, v)),
    )
    const who = a.customer
      ? null
      : h(
          'select',
          { name: 'customer', required: true },
          h('option', { value: '' }, '请选择客户'),
          customers.map((c) => h('option', { value: c.key }, c.name)),
        )
    const opener = panel(
      'open-case',
      h('label', {}, a.customer ? `为${nameOf(a.customer)}建案件` : '建案件：这条消息属于哪位客户？'),
      who,
      service,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, '建案件')),
    )
    opener.querySelector('.row').append(cancel(opener))
    opener.addEventListener('submit', (e) => {
      e.preventDefault()
      if (who && !who.value) return who.focus()
      run('open-case', { serviceType: service.value, ...(who ? { customer: who.value } : {}) }, (r) => `已建案件#${r.caseId}，由你负责`)
    })

    const canReply = a.group && CUSTOMER_GROUPS.has(a.group.kind)
    const actions = h(
      'div',
      { class: 'actions' },
      canReply ? h('button', { type: 'button', class: 'reply', onclick: toggle(reply, replyText) }, '回复客户') : null,
      a.caseId
        ? h('button', { type: 'button', class: 'take', onclick: () => run('take', {}, (r) => `已接手案件#${r.caseId}`) }, '接手案件')
        : h('button', { type: 'button', class: 'open-case', onclick: toggle(opener, who || service) }, '建案件'),
      h('button', { type: 'button', class: 'clear', onclick: toggle(dismiss, note) }, '已处理'),
    )
    const reasons = Array.isArray(a.reasonLabels) && a.reasonLabels.length ? a.reasonLabels : (a.reasons || []).map((r) => label('riskFlags', r))
    add(
      card,
      h(
        'header',
        {},
        h('strong', {}, `事项#${a.id}`),
        a.caseId ? h('a', { href: `#/cases/${a.caseId}` }, `案件#${a.caseId}`) : h('span', { class: 'tag warn' }, '未关联案件'),
        a.customer ? h('span', {}, `客户：${nameOf(a.customer)}`) : null,
        h('span', { class: 'muted' }, `来自：${a.group ? nameOf(a.group) : '私聊'}｜${nameOf(a.speaker)}`),
        h('span', { class: 'muted' }, '收到于 ', timeEl(a.createdAt)),
        // a repeat within the same open matter is queued without another chat notice
        a.notified ? null : h('span', { class: 'tag' }, '未重复提醒'),
      ),
      reasons.length
        ? h(
            'div',
            { class: 'risks' },
            '原因：',
            reasons.map((r) => h('span', { class: 'tag risk' }, r)),
          )
        : null,
      h('section', { class: 'text internal' }, h('div', { class: 'caption' }, '〔内部原文·勿外发〕'), h('div', { class: 'body' }, a.text)),
      canAct ? [actions, ...forms] : h('p', { class: 'muted' }, '只读令牌不能处理。'),
      result,
    )
    return marked(card, '待人工处理的消息')
  }

  await load()
  // keep the queue fresh, but never under someone's half-written note or reply
  const timer = setInterval(() => {
    if (!view.querySelector('form.editor:not([hidden])') && document.visibilityState === 'visible') load().catch(() => undefined)
  }, 15000)
  ctx.onLeave(() => clearInterval(timer))
}
