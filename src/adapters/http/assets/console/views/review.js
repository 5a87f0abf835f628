// The review queue: the same approve / edit / reject / take as the chat commands.
import { api } from '../api.js'
import { clear, h } from '../dom.js'
import { describeError, when } from '../format.js'
import { draftCard } from './draft-card.js'

export async function renderReview(view, ctx) {
  const list = h('div', { id: 'drafts' }, h('p', { class: 'muted' }, '加载中…'))
  const stamp = h('span', { class: 'muted' })
  view.append(h('div', { class: 'toolbar' }, h('h2', {}, '审核队列'), stamp, h('button', { type: 'button', onclick: () => load() }, '刷新')), list)
  const canAct = ctx.me.role !== 'viewer'

  async function load() {
    let body
    try {
      body = await api('/drafts', { query: { status: 'pending' } })
    } catch (err) {
      if (err.unavailable) {
        clear(list).append(h('p', { class: 'error' }, describeError(err)))
        return
      }
      return ctx.failed(err)
    }
    stamp.textContent = `更新于 ${when(new Date().toISOString())}`
    clear(list)
    if (body.items.length === 0) list.append(h('p', { class: 'empty' }, '没有待审核的草稿。'))
    for (const d of body.items) list.append(draftCard(d, { ctx, reload: load, canAct }))
  }

  await load()
  // keep the queue fresh, but never under someone's half-written edit
  const timer = setInterval(() => {
    if (!view.querySelector('form.editor:not([hidden])') && document.visibilityState === 'visible') load().catch(() => undefined)
  }, 15000)
  ctx.onLeave(() => clearInterval(timer))
}
