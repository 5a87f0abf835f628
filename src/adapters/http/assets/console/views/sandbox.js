// The simulated WeCom groups (sandbox only): watch every group and the direct messages with the
// bot, and type in them as anyone. Each pane starts with a plausible speaker for it (a handler
// in the internal group, the partner in the coordination group, the customer in theirs); the
// transcripts come from the database, so they are still there after a restart.
import { request } from '../api.js'
import { clear, flash, h } from '../dom.js'
import { describeError } from '../format.js'

const KIND = { customer: '客户群', public_customer: '公开客户群', partner: '协调群', internal: '内部群', direct: '私聊' }
/** The pane of direct messages with the bot (no group key can contain "/"). */
const DIRECT = '/direct'

export async function renderSandbox(view, ctx) {
  let data
  try {
    data = await request('/sandbox/groups')
  } catch (err) {
    view.append(h('p', { class: 'error' }, err.status === 404 ? '沙盒群只在沙盒模式（npm start，未设置 WECHATY_PUPPET）且同一进程运行 bot 角色时可用。' : describeError(err)))
    return
  }
  const { groups, people } = data
  view.append(h('div', { class: 'toolbar' }, h('h2', {}, '沙盒群'), h('span', { class: 'muted' }, '以任何角色在模拟群里发言或私聊 Baton，观察它的反应；审核通知会出现在内部群，升级提醒会私聊负责人。')))
  const grid = h('div', { class: 'groups' })
  view.append(grid)
  const paneOf = (key, title, kind, speaker, source) => {
    const lines = h('div', { class: 'lines' })
    const as = h(
      'select',
      { name: 'as', 'aria-label': '发言人' },
      people.map((p) => h('option', { value: p.id }, p.name)),
    )
    if (speaker) as.value = speaker
    const group = key === DIRECT ? {} : { group: key }
    const text = h('input', { type: 'text', name: 'text', placeholder: key === DIRECT ? '私聊 Baton，例如 /help' : '输入消息，或 /help', 'aria-label': '消息' })
    const form = h(
      'form',
      {},
      as,
      text,
      h('button', { type: 'submit' }, '发送'),
      h('button', { type: 'button', title: '以所选身份发送一张图片', onclick: () => say({ as: as.value, ...group, image: true }) }, '图片'),
    )
    form.addEventListener('submit', async (e) => {
      e.preventDefault()
      const t = text.value.trim()
      if (!t) return
      if (await say({ as: as.value, ...group, text: t })) text.value = ''
    })
    grid.append(h('section', { class: 'group card', dataset: { key } }, h('h3', {}, title, h('span', { class: 'muted' }, KIND[kind] || kind)), lines, form))
    return { key, lines, source, seen: '' }
  }
  const panes = [
    ...groups.map((g) => paneOf(g.key, g.topic, g.kind, g.defaultSpeaker, '/sandbox/transcript/' + encodeURIComponent(g.key))),
    paneOf(DIRECT, '与 Baton 的私聊', 'direct', data.direct && data.direct.defaultSpeaker, '/sandbox/direct'),
  ]

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
        const { lines } = await request(p.source)
        const stamp = lines.length ? `${lines.length}:${lines[lines.length - 1].at}` : '0'
        if (stamp === p.seen) continue
        p.seen = stamp
        clear(p.lines)
        for (const l of lines) {
          const who = l.toName ? `${l.talkerName} → ${l.toName}` : l.talkerName
          p.lines.append(h('div', { class: 'line' + (l.bot ? ' bot' : '') }, h('b', {}, `${who}：`), l.type === 'image' ? '[图片]' : l.text))
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
