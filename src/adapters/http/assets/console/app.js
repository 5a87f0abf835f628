// Boot and hash router: #/review, #/attention, #/cases, #/cases/12, #/metrics, #/growth, #/sandbox, #/login.
import { api, request } from './api.js'
import { add, clear, flash, h } from './dom.js'
import { describeError, ROLES, setLabels, setTimeZone } from './format.js'
import { renderLogin } from './views/login.js'
import { renderReview } from './views/review.js'
import { renderAttention } from './views/attention.js'
import { renderCases } from './views/cases.js'
import { renderCase } from './views/case.js'
import { renderMetrics } from './views/metrics.js'
import { renderSandbox } from './views/sandbox.js'
import { renderGrowth } from './views/growth.js'

const state = { me: null, settings: { sandbox: false }, leave: null }

const routes = [
  [/^\/review$/, () => renderReview],
  [/^\/attention$/, () => renderAttention],
  [/^\/cases$/, () => renderCases],
  [/^\/cases\/(\d+)$/, (m) => (view, ctx) => renderCase(view, ctx, Number(m[1]))],
  [/^\/metrics$/, () => renderMetrics],
  [/^\/growth$/, () => renderGrowth],
  [/^\/sandbox$/, () => renderSandbox],
]

async function boot() {
  try {
    state.settings = await request('/console/settings.json')
    setLabels(state.settings.labels)
    setTimeZone(state.settings.timeZone)
  } catch {
    // labels fall back to their keys
  }
  document.querySelector('[data-view=sandbox]').hidden = !state.settings.sandbox
  await whoAmI()
  window.addEventListener('hashchange', route)
  route()
  setInterval(() => {
    if (document.visibilityState === 'visible') refreshAttentionCount()
  }, ATTENTION_COUNT_MS)
}

async function whoAmI() {
  try {
    state.me = await api('/me')
    await nameMe()
  } catch (err) {
    state.me = null
    if (err.code !== 'unauthorized') flash(describeError(err), 'error')
  }
  renderWho()
}

/** How often the navigation's count of open attention items is refreshed, whatever the page. */
const ATTENTION_COUNT_MS = 30000

/** The badge beside 需要人工处理: the number of open items, hidden at zero or when unknown. */
function showAttentionCount(n) {
  const badge = document.getElementById('attention-count')
  const known = Number.isInteger(n) && n > 0
  badge.hidden = !known
  badge.textContent = known ? (n > 99 ? '99+' : String(n)) : ''
  badge.title = known ? `${n} 条待处理` : ''
}

async function refreshAttentionCount() {
  if (!state.me) return showAttentionCount(null)
  try {
    showAttentionCount((await api('/attention', { query: { limit: 1 } })).total)
  } catch {
    // the badge is a hint: a failure shows on the page that needs the data, not here
    showAttentionCount(null)
  }
}

/** A token named after a handler or supervisor acts as that person: show their name, not the WeCom id. */
async function nameMe() {
  if (!state.me) return
  try {
    const { owners } = await api('/directory')
    const person = owners.find((p) => p.key === state.me.name)
    if (person) state.me.displayName = person.name
  } catch {
    // the token name is still right, only less friendly
  }
}

function renderWho() {
  const who = clear(document.getElementById('who'))
  document.getElementById('nav').hidden = !state.me
  refreshAttentionCount()
  if (!state.me) return
  add(
    who,
    h('span', { class: 'me' }, `${state.me.displayName || state.me.name}（${ROLES[state.me.role] || state.me.role}）`),
    state.me.role === 'supervisor' ? h('a', { href: '/admin/queues', target: '_blank', rel: 'noopener' }, '队列') : null,
    h('button', { type: 'button', class: 'link', id: 'logout', onclick: logout }, '退出'),
  )
}

async function logout() {
  try {
    await api('/session', { method: 'DELETE' })
  } catch (err) {
    flash(describeError(err), 'error')
  }
  state.me = null
  renderWho()
  location.hash = '#/login'
  route()
}

function route() {
  if (state.leave) state.leave()
  state.leave = null
  const path = location.hash.replace(/^#/, '').replace(/\?.*$/, '') || '/review'
  const view = clear(document.getElementById('view'))
  delete view.dataset.loaded
  // a message belongs to the page it came from
  clear(document.getElementById('flash'))
  if (!state.me || path === '/login') {
    renderLogin(view, {
      onLogin: async (me) => {
        state.me = me
        await nameMe()
        renderWho()
        location.hash = '#/review'
        route()
      },
    })
    return
  }
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', path.startsWith('/' + a.dataset.view))
  // the attention page counts its own items; elsewhere a page change is a good moment to recount
  if (path !== '/attention') refreshAttentionCount()
  for (const [re, make] of routes) {
    const m = re.exec(path)
    if (!m) continue
    const ctx = {
      me: state.me,
      settings: state.settings,
      onLeave: (fn) => {
        state.leave = fn
      },
      // a page that loaded the attention queue updates the badge without another request
      attentionCount: showAttentionCount,
      // an expired session anywhere sends the user back to the login form
      failed: (err) => {
        if (err.code === 'unauthorized') {
          state.me = null
          renderWho()
          route()
          return
        }
        flash(describeError(err), 'error')
      },
    }
    Promise.resolve(make(m)(view, ctx)).catch(ctx.failed)
    return
  }
  view.append(h('p', {}, '没有这个页面。'), h('a', { href: '#/review' }, '回到审核队列'))
}

boot()
