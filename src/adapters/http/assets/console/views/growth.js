// Growth: the contact funnel per ISO week, churn tasks opened/closed per week, SOP posts (on time or
// not) and flow runs (completed or not) per week (Chart.js) with their rates, and the open churn tasks with their reasons, each closed here with an outcome (handler+; the API says no otherwise).
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
  const rates = h('div', { id: 'sop-flow-rates' })
  view.append(h('div', { class: 'toolbar' }, h('h2', {}, '增长：漏斗与流失预警')), charts, h('h3', {}, 'SOP 准时率与流程完成率'), rates, h('h3', {}, '未关闭的流失预警'), tasks)
  const live = []
  ctx.onLeave(() => live.forEach((c) => c.destroy()))

  async function load() {
    const [funnel, weeks, open, sopFlows] = await Promise.allSettled([
      api('/growth/funnel', { query: { weeks: 12 } }),
      api('/churn/weeks', { query: { weeks: 12 } }),
      api('/churn/tasks', { query: { status: 'open', limit: 200 } }),
      api('/growth/sop-flows', { query: { weeks: 12 } }),
    ])
    for (const r of [funnel, weeks, open, sopFlows]) if (r.status === 'rejected' && r.reason.code === 'unauthorized') return ctx.failed(r.reason)
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
    clear(rates)
    if (sopFlows.status === 'fulfilled') showSopFlows(sopFlows.value)
    else rates.append(h('p', { class: 'error' }, describeError(sopFlows.reason)))
    clear(tasks)
    if (open.status === 'fulfilled') showTasks(open.value)
    else tasks.append(h('p', { class: 'error' }, describeError(open.reason)))
    view.dataset.loaded = 'true'
  }

  /** SOP posts and flow runs per week (charts), and each row's rate (a table: one per group type or flow) */
  function showSopFlows({ sop, flows }) {
    const sopWeeks = [...new Set(sop.map((r) => r.week))]
    const sum = (rows, week, f) => rows.filter((r) => r.week === week).reduce((n, r) => n + f(r), 0)
    chart('SOP 发布（按应发的周）', sopWeeks.map(weekLabel), [
      { label: '准时', data: sopWeeks.map((w) => sum(sop, w, (r) => r.onTime)), backgroundColor: COLORS.green },
      { label: '迟发', data: sopWeeks.map((w) => sum(sop, w, (r) => r.sent - r.onTime)), backgroundColor: COLORS.amber },
      { label: '错过', data: sopWeeks.map((w) => sum(sop, w, (r) => r.missed)), backgroundColor: COLORS.red },
      { label: '失败', data: sopWeeks.map((w) => sum(sop, w, (r) => r.failed)), backgroundColor: COLORS.gray },
    ])
    const flowWeeks = [...new Set(flows.map((r) => r.week))]
    chart('流程运行（按开始的周）', flowWeeks.map(weekLabel), [
      { label: '完成', data: flowWeeks.map((w) => sum(flows, w, (r) => r.completed)), backgroundColor: COLORS.green },
      { label: '中途退出', data: flowWeeks.map((w) => sum(flows, w, (r) => r.exited)), backgroundColor: COLORS.amber },
      { label: '进行中', data: flowWeeks.map((w) => sum(flows, w, (r) => r.running)), backgroundColor: COLORS.blue },
    ])
    const pct = (x) => (x === null ? '—' : `${Math.round(x * 1000) / 10}%`)
    const lines = [
      ...sop.map((r) => ['SOP', weekLabel(r.week), r.groupTypeName, `${r.onTime} / ${r.sent + r.missed + r.failed}`, pct(r.onTimeRate)]),
      ...flows.map((r) => ['流程', weekLabel(r.week), r.flowName, `${r.completed} / ${r.completed + r.exited}`, pct(r.completionRate)]),
    ]
    if (lines.length === 0) return rates.append(h('p', {}, '最近 12 周没有 SOP 发布或流程运行。'))
    rates.append(
      h(
        'table',
        { class: 'figures' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['类别', '周', '群类型 / 流程', '准时或完成 / 已结束', '比率'].map((x) => h('th', {}, x)),
          ),
        ),
        h(
          'tbody',
          {},
          lines.map((cells) =>
            h(
              'tr',
              {},
              cells.map((c) => h('td', {}, c)),
            ),
          ),
        ),
      ),
    )
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
