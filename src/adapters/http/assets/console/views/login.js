import { api } from '../api.js'
import { h } from '../dom.js'
import { describeError } from '../format.js'

/** Token login: POST /api/v1/session sets an httpOnly cookie; the page never keeps the token. */
export function renderLogin(view, { onLogin }) {
  const msg = h('p', { class: 'error', role: 'alert' })
  const input = h('input', { type: 'password', name: 'token', id: 'token', autocomplete: 'current-password', required: true, placeholder: 'API 令牌' })
  const form = h(
    'form',
    { class: 'card login', id: 'login' },
    h('h2', {}, '登录'),
    h('label', { for: 'token' }, 'API 令牌'),
    input,
    h('button', { type: 'submit' }, '登录'),
    msg,
    h('p', { class: 'muted' }, '令牌由管理员在 BATON_API_TOKENS 中配置；沙盒默认令牌为 sandbox。'),
  )
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    msg.textContent = ''
    try {
      const me = await api('/session', { method: 'POST', body: { token: input.value.trim() } })
      input.value = ''
      onLogin(me)
    } catch (err) {
      msg.textContent = err.code === 'unauthorized' ? '令牌不正确。' : describeError(err)
    }
  })
  view.append(form)
  input.focus()
}
