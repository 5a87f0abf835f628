// The weekly figures as charts (Chart.js, served by Baton itself) and as a table.
import { api } from '../api.js'
import { clear, h } from '../dom.js'
import { category, day, describeError, duration, label, percent } from '../format.js'

const DAY = 86_400_000
const COLORS = { blue: '#2563eb', red: '#dc2626', green: '#059669', amber: '#d97706', gray: '#6b7280', violet: '#7c3aed' }
const GROUP_BY = { none: '全部', group: '按群', partner: '按服务方', handler: '按处理人' }

export async function renderMetrics(view, ctx) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '')
  const days = h(
    'select',
    { name: 'days' },
    [7, 14, 30, 90].map((d) => h('option', { value: d }, `近${d}天`)),
  )
  days.value = params.get('days') || '7'
  const groupBy = h(
    'select',
    { name: 'groupBy' },
    Object.entries(GROUP_BY).map(([k, v]) => h('option', { value: k }, v)),
  )
  groupBy.value = params.get('groupBy') || 'none'
  const form = h('form', { class: 'filters' }, h('label', {}, '时间', days), h('label', {}, '分组', groupBy), h('button', { type: 'submit' }, '查看'))
  const figures = h('div', { id: 'figures' })
  const charts = h('div', { class: 'charts', id: 'charts' })
  const defs = h('details', { class: 'definitions' }, h('summary', {}, '各项指标如何计算'))
  view.append(h('div', { class: 'toolbar' }, h('h2', {}, '指标')), form, figures, charts, defs)
  const live = []
  ctx.onLeave(() => live.forEach((c) => c.destroy()))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    load()
  })

  async function load() {
    history.replaceState(null, '', `#/metrics?days=${days.value}&groupBy=${groupBy.value}`)
    const to = new Date()
    const from = new Date(to.getTime() - Number(days.value) * DAY)
    const range = { from: from.toISOString(), to: to.toISOString() }
    const [summary, series] = await Promise.allSettled([api('/metrics', { query: { ...range, groupBy: groupBy.value } }), api('/metrics/series', { query: { ...range, bucket: 'day' } })])
    for (const r of [summary, series]) if (r.status === 'rejected' && r.reason.code === 'unauthorized') return ctx.failed(r.reason)
    clear(figures)
    if (summary.status === 'fulfilled') showFigures(summary.value)
    else figures.append(h('p', { class: 'error' }, describeError(summary.reason)))
    live.splice(0).forEach((c) => c.destroy())
    clear(charts)
    if (series.status === 'fulfilled') showCharts(series.value.buckets || [])
    else charts.append(h('p', { class: 'error' }, describeError(series.reason)))
    view.dataset.loaded = 'true'
  }

  function showFigures(m) {
    const rows = Array.isArray(m.rows) ? m.rows : []
    const cols = [
      ['等待中', (f) => sum(f.waitingNow && f.waitingNow.byState)],
      ['超时率', (f) => percent(f.overdueRate)],
      ['请求→送达 中位/P90', (f) => pair(f.partnerToDeliveryMs)],
      ['完成→回写 中位/P90', (f) => pair(f.completionToWritebackMs)],
      ['审核 批准/修改/驳回/接手', (f) => (f.review ? `${f.review.approved}/${f.review.edited}/${f.review.rejected}/${f.review.takenOver}` : '—')],
      ['错发', (f) => num(f.wrongSends)],
      ['漏发', (f) => num(f.missedSends)],
      ['重复提醒', (f) => num(f.repeatedReminders)],
      ['首次讲清率', (f) => percent(f.firstClearExplanationRate)],
      ['证据不全率', (f) => percent(f.incompleteEvidenceRate)],
      ['知识更新', (f) => num(f.knowledgeUpdates)],
    ]
    figures.append(
      h(
        'table',
        { class: 'figures' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, GROUP_BY[m.groupBy] || '范围'),
            cols.map(([t]) => h('th', {}, t)),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((r) =>
            h(
              'tr',
              {},
              h('td', {}, r.label || (r.key === null ? (m.groupBy === 'none' ? '全部' : '未归属') : r.key)),
              cols.map(([, f]) => h('td', {}, r.figures ? f(r.figures) : '—')),
            ),
          ),
        ),
      ),
    )
    const first = rows[0] && rows[0].figures
    if (first && first.waitingNow) {
      const chips = Object.entries(first.waitingNow.byState || {}).map(([k, n]) => h('span', { class: 'tag' }, `${label('states', k)} ${n}`))
      if (chips.length) figures.append(h('p', {}, '当前等待：', chips))
    }
    const pass = first && first.review && first.review.passRateByCategory
    if (pass && Object.keys(pass).length) {
      figures.append(
        h(
          'p',
          {},
          '各类别原样通过率：',
          Object.entries(pass).map(([c, p]) => h('span', { class: 'tag' }, `${category(c)} ${percent(p.rate)}（${p.approvedAsIs}/${p.decided}）`)),
        ),
      )
    }
    clear(defs).append(h('summary', {}, '各项指标如何计算'))
    // headed by the figure's Chinese name from the wording (metrics.names), never its API field
    defs.append(
      h(
        'dl',
        {},
        Object.entries(m.definitions || {}).map(([k, v]) => [h('dt', { dataset: { figure: k } }, label('metricNames', k)), h('dd', {}, v)]),
      ),
    )
  }

  function showCharts(buckets) {
    if (!window.Chart) {
      charts.append(h('p', { class: 'error' }, '图表库未能加载（/console/vendor/chart.js），仅显示表格。'))
      return
    }
    const labels = buckets.map((b) => day(b.start))
    const hours = (ms) => (ms === null || ms === undefined ? null : +(ms / 3_600_000).toFixed(2))
    chart('等待项（每日）', 'line', [{ label: '等待项', data: buckets.map((b) => b.waiting), borderColor: COLORS.blue, backgroundColor: COLORS.blue }], { y: { ticks: { precision: 0 } } })
    chart(
      '超时率',
      'line',
      [{ label: '超时率 %', data: buckets.map((b) => (b.overdueRate === null || b.overdueRate === undefined ? null : +(b.overdueRate * 100).toFixed(1))), borderColor: COLORS.red, backgroundColor: COLORS.red }],
      { y: { min: 0, max: 100 } },
    )
    chart('送达与回写时长（中位数，小时）', 'line', [
      { label: '请求→送达', data: buckets.map((b) => hours(b.deliveryMedianMs)), borderColor: COLORS.violet, backgroundColor: COLORS.violet },
      { label: '完成→回写', data: buckets.map((b) => hours(b.writebackMedianMs)), borderColor: COLORS.amber, backgroundColor: COLORS.amber },
    ])
    const review = (k) => buckets.map((b) => (b.review ? b.review[k] || 0 : 0))
    chart(
      '审核结果',
      'bar',
      [
        { label: '原样批准', data: review('approved'), backgroundColor: COLORS.green },
        { label: '修改后发送', data: review('edited'), backgroundColor: COLORS.blue },
        { label: '驳回', data: review('rejected'), backgroundColor: COLORS.red },
        { label: '接手', data: review('takenOver'), backgroundColor: COLORS.gray },
      ],
      { x: { stacked: true }, y: { stacked: true, ticks: { precision: 0 } } },
    )

    function chart(title, type, datasets, scales = {}) {
      const canvas = h('canvas', { role: 'img', 'aria-label': title })
      charts.append(h('figure', { class: 'card chart' }, h('figcaption', {}, title), h('div', { class: 'canvas' }, canvas)))
      live.push(
        new window.Chart(canvas, {
          type,
          data: { labels, datasets: datasets.map((d) => ({ spanGaps: true, tension: 0.2, ...d })) },
          options: {
            animation: false,
            responsive: true,
            maintainAspectRatio: false,
            plugins: { legend: { display: datasets.length > 1 } },
            scales: { y: { beginAtZero: true, ...(scales.y || {}) }, ...(scales.x ? { x: scales.x } : {}) },
          },
        }),
      )
    }
  }

  await load()
}

const num = (x) => (x === null || x === undefined ? '—' : String(x))
const pair = (x) => (x && x.n ? `${duration(x.median)} / ${duration(x.p90)}（${x.n}）` : '—')
function sum(byState) {
  if (!byState) return '—'
  return String(Object.values(byState).reduce((a, b) => a + (Number(b) || 0), 0))
}
