// Cases with their waiting state and due time; overdue rows stand out.
import { api } from '../api.js'
import { clear, h } from '../dom.js'
import { describeError, label, labelsOf, nameOf, timeEl } from '../format.js'

const PAGE = 50

export async function renderCases(view, ctx) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '')
  const options = (section, none) => [h('option', { value: '' }, none), ...Object.entries(labelsOf(section)).map(([k, v]) => h('option', { value: k }, v))]
  // people, groups and partners are picked by name; the filter sends their key
  let pickers = { owners: [], groups: [], partners: [] }
  try {
    pickers = await api('/directory')
  } catch (err) {
    if (err.code === 'unauthorized') return ctx.failed(err)
  }
  const picker = (list, none) => [h('option', { value: '' }, none), ...list.map((x) => h('option', { value: x.key }, x.name))]
  const form = h(
    'form',
    { class: 'filters', id: 'case-filters' },
    h('label', {}, '状态', h('select', { name: 'state' }, options('states', '全部'))),
    h('label', {}, '等待方', h('select', { name: 'party' }, options('parties', '全部'))),
    h('label', {}, '超时', h('select', { name: 'overdue' }, h('option', { value: '' }, '全部'), h('option', { value: 'true' }, '已超时'), h('option', { value: 'false' }, '未超时'))),
    h('label', {}, '进行', h('select', { name: 'open' }, h('option', { value: '' }, '全部'), h('option', { value: 'true' }, '未结束'), h('option', { value: 'false' }, '已结束'))),
    h('label', {}, '负责人', h('select', { name: 'owner' }, picker(pickers.owners, '全部'))),
    h('label', {}, '群', h('select', { name: 'group' }, picker(pickers.groups, '全部'))),
    h('label', {}, '服务方', h('select', { name: 'partner' }, picker(pickers.partners, '全部'))),
    h('button', { type: 'submit' }, '筛选'),
    h('button', { type: 'reset', class: 'link' }, '清除'),
  )
  for (const el of form.elements) if (el.name && params.has(el.name)) el.value = params.get(el.name)
  const table = h('div', { id: 'cases' }, h('p', { class: 'muted' }, '加载中…'))
  const pager = h('div', { class: 'pager' })
  view.append(h('div', { class: 'toolbar' }, h('h2', {}, '案件')), form, table, pager)

  let offset = Number(params.get('offset') || 0)
  const filters = () => Object.fromEntries([...new FormData(form)].filter(([, v]) => v !== ''))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    offset = 0
    load()
  })
  form.addEventListener('reset', () =>
    setTimeout(() => {
      offset = 0
      load()
    }),
  )

  async function load() {
    const f = filters()
    history.replaceState(null, '', '#/cases' + (Object.keys(f).length || offset ? '?' + new URLSearchParams({ ...f, ...(offset ? { offset } : {}) }) : ''))
    let body
    try {
      body = await api('/cases', { query: { ...f, limit: PAGE, offset } })
    } catch (err) {
      if (err.unavailable || err.code === 'bad_request') return void clear(table).append(h('p', { class: 'error' }, describeError(err)))
      return ctx.failed(err)
    }
    clear(table)
    if (body.items.length === 0) {
      table.append(h('p', { class: 'empty' }, '没有符合条件的案件。'))
    } else {
      table.append(
        h(
          'table',
          { class: 'cases' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['案件', '客户', '服务', '状态', '等待', '负责人', '截止', '提醒', '更新'].map((t) => h('th', {}, t)),
            ),
          ),
          h('tbody', {}, body.items.map(row)),
        ),
      )
    }
    clear(pager)
    const total = body.total ?? body.items.length
    pager.append(h('span', { class: 'muted' }, `共 ${total} 个，第 ${total ? offset + 1 : 0}–${offset + body.items.length} 个`))
    if (offset > 0)
      pager.append(
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              offset = Math.max(0, offset - PAGE)
              load()
            },
          },
          '上一页',
        ),
      )
    if (offset + body.items.length < total)
      pager.append(
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              offset += PAGE
              load()
            },
          },
          '下一页',
        ),
      )
  }

  function row(c) {
    const open = () => {
      location.hash = `#/cases/${c.id}`
    }
    return h(
      'tr',
      {
        class: c.overdue ? 'overdue' : '',
        tabindex: 0,
        onclick: open,
        onkeydown: (e) => {
          if (e.key === 'Enter') open()
        },
      },
      h('td', {}, h('a', { href: `#/cases/${c.id}` }, `#${c.id}`)),
      h('td', {}, nameOf(c.customer)),
      h('td', {}, label('serviceTypes', c.serviceType)),
      h('td', {}, label('states', c.state)),
      h('td', {}, label('parties', c.waitingParty)),
      h('td', {}, nameOf(c.owner)),
      h('td', { class: 'due' }, timeEl(c.dueAt), c.overdue ? h('span', { class: 'tag overdue' }, '已超时') : null),
      h('td', {}, c.reminderCount ?? 0),
      h('td', { class: 'muted' }, timeEl(c.updatedAt)),
    )
  }

  await load()
}
