// Growth: the contact funnel per ISO week, churn tasks opened/closed per week (Chart.js), and the
// open churn tasks with their reasons, each closed here with an outcome (handler+; the API says no otherwise).
import { api } from '../api.js'
import { clear, flash, h } from '../dom.js'
import { describeError, when } from '../format.js'

const COLORS = { blue: '#2563eb', red: '#dc2626', green: '#059669', amber: '#d97706', gray: '#6b7280' }
const OUTCOMES = { retained: '挽回', lost: '流失', no_risk: '误报' }
const REASONS = {
  silence: (r) => `${r.days} 天没有消息`,
  decline: (r) => `消息减少（${r.recent} / 之前 ${r.previous}）`,
  left_group: (r) => `退群 ${(r.groups || []).join('、')}`,
  stalled_case: (r) => `案件停滞 ${(r.cases || []).map((c) => '#' + c).join('、')}`,
  complaint: (r) => `投诉 ${r.count} 条`,
  negative_wording: (r) => `负面表达 ${r.count} 条`,
}

/** 2026-W49 → 2026年第49周 (an ISO week, as the API names it) */
const weekLabel = (w) => w.replace(/^(\d{4})-W(\d{2})$/, (_, y, n) => `${y}年第${Number(n)}周`)

export async function renderGrowth(view, ctx) {
  const charts = h('div', { class: 'charts', id: 'growth-charts' })
  const tasks = h('div', { id: 'churn-tasks' })
  view.append(h('div', { class: 'toolbar' }, h('h2', {}, '增长：漏斗与流失预警')), charts, h('h3', {}, '未关闭的流失预警'), tasks)
  const live = []
  ctx.onLeave(() => live.forEach((c) => c.destroy()))

  async function load() {
    const [funnel, weeks, open] = await Promise.allSettled([
      api('/growth/funnel', { query: { weeks: 12 } }),
      api('/churn/weeks', { query: { weeks: 12 } }),
      api('/churn/tasks', { query: { status: 'open', limit: 200 } }),
    ])
    for (const r of [funnel, weeks, open]) if (r.status === 'rejected' && r.reason.code === 'unauthorized') return ctx.failed(r.reason)
    live.splice(0).forEach((c) => c.destroy())
    clear(charts)
    if (funnel.status === 'fulfilled') {
      const rows = funnel.value.items.filter((r) => r.groupType === null)
      chart(
        '客户漏斗（按首次出现的周）',
        rows.map((r) => weekLabel(r.week)),
        [
          { label: '新客户', data: rows.map((r) => r.newContacts), backgroundColor: COLORS.gray },
          { label: '首次互动', data: rows.map((r) => r.firstInteraction), backgroundColor: COLORS.blue },
          { label: '加入分类群', data: rows.map((r) => r.joinedTypedGroup), backgroundColor: COLORS.amber },
          { label: '转化', data: rows.map((r) => r.converted), backgroundColor: COLORS.green },
        ],
      )
    } else charts.append(h('p', { class: 'error' }, describeError(funnel.reason)))
    if (weeks.status === 'fulfilled') {
      const rows = weeks.value.items
      chart(
        '流失预警（按周）',
        rows.map((r) => weekLabel(r.week)),
        [
          { label: '新开', data: rows.map((r) => r.opened), backgroundColor: COLORS.red },
          ...Object.entries(OUTCOMES).map(([k, v], i) => ({ label: `关闭：${v}`, data: rows.map((r) => r.outcomes[k]), backgroundColor: [COLORS.green, COLORS.gray, COLORS.blue][i] })),
        ],
      )
    }
    clear(tasks)
    if (open.status === 'fulfilled') showTasks(open.value)
    else tasks.append(h('p', { class: 'error' }, describeError(open.reason)))
    view.dataset.loaded = 'true'
  }

  function showTasks(page) {
    if (page.total === 0) return tasks.append(h('p', {}, '目前没有未关闭的流失预警。'))
    const rows = page.items.map((t) => {
      const outcome = h(
        'select',
        { name: 'outcome' },
        Object.entries(OUTCOMES).map(([k, v]) => h('option', { value: k }, v)),
      )
      const close = h('button', { type: 'button' }, '关闭')
      close.addEventListener('click', async () => {
        close.disabled = true
        try {
          await api(`/churn/tasks/${t.id}/close`, { method: 'POST', body: { outcome: outcome.value } })
          flash(`已关闭流失预警 #${t.id}`)
          await load()
        } catch (err) {
          close.disabled = false
          flash(describeError(err), 'error')
        }
      })
      const reasons = t.reasons.map((r) => (REASONS[r.code] ? REASONS[r.code](r) : r.code) + `（${r.points}）`).join('；')
      return h(
        'tr',
        {},
        h('td', {}, `#${t.id}`),
        h('td', {}, t.contactName),
        h('td', {}, String(t.score)),
        h('td', {}, reasons),
        h('td', {}, t.ownerName || '团队'),
        h('td', {}, when(t.openedAt)),
        h('td', {}, outcome, close),
      )
    })
    tasks.append(
      h(
        'table',
        { class: 'figures' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['预警', '客户', '评分', '原因（分）', '负责人', '开启', '结果'].map((x) => h('th', {}, x)),
          ),
        ),
        h('tbody', {}, rows),
      ),
    )
  }

  function chart(title, labels, datasets) {
    const canvas = h('canvas', { role: 'img', 'aria-label': title })
    charts.append(h('figure', { class: 'card chart' }, h('figcaption', {}, title), h('div', { class: 'canvas' }, canvas)))
    if (!window.Chart) return
    live.push(
      new window.Chart(canvas, {
        type: 'bar',
        data: { labels, datasets },
        options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      }),
    )
  }

  await load()
}
