// Chinese labels and number/time formats shared by the views.

const labels = { states: {}, parties: {}, serviceTypes: {}, riskFlags: {}, leakKinds: {}, categories: {}, draftStatus: {}, events: {}, metricNames: {} }
export function setLabels(l) {
  Object.assign(labels, l || {})
}
export const label = (section, key) => (key === null || key === undefined || key === '' ? '—' : (labels[section] || {})[key] || key)
export const labelsOf = (section) => labels[section] || {}

export const CATEGORIES = {
  material_request: '资料请求',
  material_received: '资料已收到',
  appointment_request: '预约请求',
  appointment_confirmed: '预约确认',
  progress_reply: '进度答复',
  completion_confirmation: '完成确认',
  proof_request: '凭证请求',
  coordination_request: '协调执行人',
  generic_reply: '一般答复',
  reminder: '提醒',
  order_progress: '订单进度答复',
  knowledge_answer: '政策/活动答复',
}
export const category = (c) => (labels.categories || {})[c] || CATEGORIES[c] || c || '—'

export const ROLES = { viewer: '只读', handler: '处理人', supervisor: '主管' }
export const DRAFT_STATUS = {
  pending: '待审核',
  approved: '已批准',
  edited: '已修改发送',
  rejected: '已驳回',
  taken_over: '已接手',
  expired: '已过期',
  recalled: '已撤回',
  sent_direct: '已自动发送',
  superseded: '已被更新的草稿取代',
}

/** A person, partner or customer given as a string or as { key, name }. */
export function nameOf(x) {
  if (x === null || x === undefined || x === '') return '—'
  if (typeof x === 'string' || typeof x === 'number') return String(x)
  return x.name || x.key || x.id || '—'
}

/** What happened to a draft, from the wording labels (the built-in list is a fallback). */
export const draftStatus = (s) => (labels.draftStatus || {})[s] || DRAFT_STATUS[s] || s || '—'

// Times are shown in the tenant's zone (policy.timezone, sent by the server), as in chat: a
// supervisor travelling, or a browser set to UTC, sees the same days and hours as WeCom.
let zone = 'Asia/Shanghai'
let dtf = makeFormat(zone)
function makeFormat(timeZone) {
  return new Intl.DateTimeFormat('zh-CN', { timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
}
export function setTimeZone(tz) {
  if (!tz) return
  try {
    dtf = makeFormat(tz)
    zone = tz
  } catch {
    // an unknown zone keeps the default rather than breaking every page
  }
}
export const timeZone = () => zone
export function when(iso) {
  if (!iso) return '—'
  const d = new Date(iso)
  return isNaN(d) ? String(iso) : dtf.format(d)
}
/** A <time> element: the tenant-zone text, with the instant in its datetime attribute. */
export function timeEl(iso) {
  const el = document.createElement('time')
  if (iso) el.setAttribute('datetime', iso)
  el.textContent = when(iso)
  return el
}
/** A day of the tenant's calendar, "12/6", for chart axes. */
export function day(iso) {
  const d = new Date(iso)
  return isNaN(d) ? String(iso) : new Intl.DateTimeFormat('zh-CN', { timeZone: zone, month: 'numeric', day: 'numeric' }).format(d)
}

/** "3小时20分" from milliseconds; null when there is no data. */
export function duration(ms) {
  if (ms === null || ms === undefined || !isFinite(ms)) return '—'
  if (ms < 60000) return `${Math.round(ms / 1000)}秒`
  const min = Math.round(ms / 60000)
  if (min < 60) return `${min}分钟`
  const hours = Math.floor(min / 60)
  if (hours < 48) return `${hours}小时${min % 60 ? (min % 60) + '分' : ''}`
  return `${(hours / 24).toFixed(1)}天`
}

export function percent(x) {
  return x === null || x === undefined || !isFinite(x) ? '—' : `${(x * 100).toFixed(1)}%`
}

/** What an API error means for the person at the keyboard. */
export function describeError(err) {
  const d = err.details || {}
  if (err.code === 'network') return '无法连接服务器，请检查 Baton 是否在运行。'
  if (err.unavailable) return `该功能暂不可用：服务器尚未提供接口 ${err.path.replace(/\?.*$/, '')}。`
  switch (err.code) {
    case 'unauthorized':
      return '令牌无效或登录已过期，请重新登录。'
    case 'forbidden':
      if (d.reason === 'not_a_person') return '该操作以本人名义进行（接管后案件归你负责，回复以你的名义发出），但当前令牌不对应任何处理人或主管。请使用以本人企业微信 ID 命名的令牌登录。'
      return `权限不足${d.need ? `（需要「${ROLES[d.need] || d.need}」角色）` : ''}。`
    case 'too_many_requests':
      return `登录尝试过于频繁，请 ${d.retryAfterSeconds || 60} 秒后再试。`
    case 'not_found':
      return d.entity === 'draft' ? `找不到草稿#${d.id}。` : d.entity === 'case' ? `找不到案件#${d.id}。` : d.entity === 'attention' ? `找不到事项#${d.id}。` : `找不到：${err.message}`
    case 'conflict':
      if (d.entity === 'attention' && d.reason === 'has_case') return `该消息已属于案件#${d.caseId}，无需再建案件。`
      if (d.entity === 'attention') return `该事项已由 ${d.clearedByName || '他人'} 于 ${when(d.clearedAt)} 处理，无需重复操作。`
      return `操作冲突：${err.message}`
    case 'already_decided':
      if (d.status === 'expired') return `该草稿已于 ${when(d.decidedAt)} 过期，未发送，也不能再通过。`
      return `该草稿已由 ${d.decidedByName || (d.decidedBy === 'baton' ? '系统（自动）' : '他人')} 于 ${when(d.decidedAt)} 处理（${d.status ? draftStatus(d.status) : '已处理'}），不会重复发送。`
    case 'edit_blocked':
    case 'leak_guard':
      return `修改未通过外发检查，未发送：${hitsText(d.hits)}`
    case 'bad_request':
    case 'bad_arguments':
      if (d.reason && BAD_INPUT[d.reason]) return BAD_INPUT[d.reason]
      return `输入有误${d.field ? `（${d.field}）` : ''}：${err.message}`
    case 'illegal_transition':
      return `不允许的操作：${err.message}`
    case 'cross_origin':
      return '请求被拒绝：只接受从本服务器页面发出的操作，请在控制台内重试。'
    case 'json_required':
      return '请求被拒绝：需要 JSON 格式的请求。'
    default:
      return `出错了（${err.code}）：${err.message}`
  }
}

/** Why the server refused an action's input, for the reasons the console's actions can meet. */
const BAD_INPUT = {
  not_customer_group: '这条消息不是在客户群里说的，不能从控制台回复；请在对应的群里处理。',
  customer_required: '请先选择这条消息属于哪位客户。',
  no_case: '这条消息还没有对应的案件，请先建案件。',
  not_a_handler: '只有处理人或主管可以负责案件。',
}

export function hitsText(hits) {
  if (!Array.isArray(hits) || hits.length === 0) return '含有不可外发的内容'
  return hits.map((x) => `${label('leakKinds', x.kind)}「${x.match}」`).join('、')
}
