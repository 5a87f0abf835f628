// The simulated WeCom groups (sandbox only): watch every group and type in it as anyone.
import { request } from '../api.js'
import { clear, flash, h } from '../dom.js'
import { describeError } from '../format.js'

const KIND = { customer: '客户群', public_customer: '公开客户群', partner: '协调群', internal: '内部群' }

export async function renderSandbox(view, ctx) {
  let data
  try {
    data = await request('/sandbox/groups')
  } catch (err) {
    view.append(h('p', { class: 'error' }, err.status === 404 ? '沙盒群只在沙盒模式（npm start，未设置 WECHATY_PUPPET）且同一进程运行 bot 角色时可用。' : describeError(err)))
    return
  }
  const { groups, people } = data
  // the bot is the one talker who is not a declared person
  const known = new Set(people.map((p) => p.id))
  view.append(h('div', { class: 'toolbar' }, h('h2', {}, '沙盒群'), h('span', { class: 'muted' }, '以任何角色在模拟群里发言，观察 Baton 的反应；审核通知会出现在内部群。')))
  const grid = h('div', { class: 'groups' })
  view.append(grid)
  const panes = groups.map((g) => {
    const lines = h('div', { class: 'lines' })
    const as = h('select', { name: 'as', 'aria-label': '发言人' }, people.map((p) => h('option', { value: p.id }, p.name)))
    const text = h('input', { type: 'text', name: 'text', placeholder: '输入消息，或 /help', 'aria-label': '消息' })
    const form = h('form', {}, as, text, h('button', { type: 'submit' }, '发送'),
      h('button', { type: 'button', title: '以所选身份发送一张图片', onclick: () => say({ as: as.value, group: g.key, image: true }) }, '图片'))
    form.addEventListener('submit', async (e) => {
      e.preventDefault()
      const t = text.value.trim()
      if (!t) return
      if (await say({ as: as.value, group: g.key, text: t })) text.value = ''
    })
    grid.append(h('section', { class: 'group card', dataset: { key: g.key } }, h('h3', {}, g.topic, h('span', { class: 'muted' }, KIND[g.kind] || g.kind)), lines, form))
    return { key: g.key, lines, count: -1 }
  })

  async function say(body) {
    try {
      await request('/sandbox/say', { method: 'POST', body })
      setTimeout(refresh, 300)
      return true
    } catch (err) {
      flash(describeError(err), 'error')
      return false
    }
  }

  let busy = false
  async function refresh() {
    if (busy) return
    busy = true
    try {
      for (const p of panes) {
        const { lines } = await request('/sandbox/transcript/' + encodeURIComponent(p.key))
        if (lines.length === p.count) continue
        p.count = lines.length
        clear(p.lines)
        for (const l of lines) {
          p.lines.append(h('div', { class: 'line' + (known.has(l.talkerId) ? '' : ' bot') },
            h('b', {}, `${l.talkerName}：`), l.type === 'image' ? '[图片]' : l.text))
        }
        p.lines.scrollTop = p.lines.scrollHeight
      }
    } catch (err) {
      ctx.failed(err)
    } finally {
      busy = false
    }
  }
  await refresh()
  const timer = setInterval(refresh, 1500)
  ctx.onLeave(() => clearInterval(timer))
}
