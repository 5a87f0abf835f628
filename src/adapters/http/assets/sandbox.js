// The sandbox page's script: a file of its own, so the Content-Security-Policy needs no inline script.
// Each pane starts with a plausible speaker; the last pane is the direct chat with the bot.
const KIND = { customer: '客户群', public_customer: '公开客户群', partner: '协调群', internal: '内部群', direct: '私聊' }
const DIRECT = '/direct'
async function load() {
  const res = await fetch('/sandbox/groups')
  const { groups, people, direct } = await res.json()
  const root = document.getElementById('groups')
  const panes = [...groups, { key: DIRECT, topic: '与 Baton 的私聊', kind: 'direct', defaultSpeaker: direct && direct.defaultSpeaker }]
  for (const g of panes) {
    const sec = document.createElement('section')
    sec.innerHTML = `<h2></h2><div class="lines"></div>
      <form><select name="as"></select><input type="text" name="text" placeholder="输入消息，或 /help">
      <button>发送</button><button type="button" class="img" title="发送一张图片">📷</button></form>`
    sec.querySelector('h2').textContent = g.topic
    const span = document.createElement('span')
    span.textContent = KIND[g.kind] || g.kind
    sec.querySelector('h2').append(span)
    const sel = sec.querySelector('select')
    for (const p of people) {
      const o = document.createElement('option')
      o.value = p.id
      o.textContent = p.name
      sel.append(o)
    }
    if (g.defaultSpeaker) sel.value = g.defaultSpeaker
    const where = g.key === DIRECT ? {} : { group: g.key }
    const form = sec.querySelector('form')
    form.addEventListener('submit', async (e) => {
      e.preventDefault()
      const text = form.text.value.trim()
      if (!text) return
      await say({ as: sel.value, ...where, text })
      form.text.value = ''
    })
    sec.querySelector('.img').addEventListener('click', () => say({ as: sel.value, ...where, image: true }))
    sec.dataset.key = g.key
    root.append(sec)
  }
  await loadOrders(root)
  setInterval(refresh, 1000)
  refresh()
}
// The sandbox's order service (a sandbox:// orders.lookup URL): change an order's logistics or
// how the service answers, then ask for progress in a customer group.
const STATUS = {
  WAIT_BUYER_PAY: '待付款',
  WAIT_SELLER_SEND: '待发货',
  SHIPPED: '已发货',
  IN_TRANSIT: '运输中',
  DELIVERING: '派送中',
  SIGNED: '已签收',
  CLOSED: '已关闭',
  REFUNDING: '退款中',
  REFUNDED: '已退款',
}
const MODE = { up: '正常', down: '故障（503）', slow: '超时' }
async function loadOrders(root) {
  const res = await fetch('/sandbox/orders')
  if (!res.ok) return
  const { mode, orders } = await res.json()
  const sec = document.createElement('section')
  sec.innerHTML = '<h2>订单服务（模拟）</h2><div class="lines"></div>'
  const box = sec.querySelector('.lines')
  const service = document.createElement('select')
  for (const [k, v] of Object.entries(MODE)) {
    const o = document.createElement('option')
    o.value = k
    o.textContent = v
    service.append(o)
  }
  service.value = mode
  service.addEventListener('change', () => post('/sandbox/order-service', { mode: service.value }))
  const top = document.createElement('div')
  top.className = 'line'
  top.append('服务状态：', service)
  box.append(top)
  for (const order of orders) {
    const f = document.createElement('form')
    f.innerHTML =
      '<b></b><select name="status"></select><input type="text" name="company" placeholder="快递公司"><input type="text" name="trackingNo" placeholder="运单号"><input type="date" name="eta"><button>保存</button>'
    f.querySelector('b').textContent = order.order_no
    for (const [k, v] of Object.entries(STATUS)) {
      const o = document.createElement('option')
      o.value = k
      o.textContent = v
      f.status.append(o)
    }
    f.status.value = order.status
    f.company.value = order.logistics.company || ''
    f.trackingNo.value = order.logistics.tracking_no || ''
    f.eta.value = order.logistics.estimated_delivery || ''
    f.addEventListener('submit', (e) => {
      e.preventDefault()
      post('/sandbox/orders/' + encodeURIComponent(order.order_no), { status: f.status.value, company: f.company.value || null, trackingNo: f.trackingNo.value || null, eta: f.eta.value || null })
    })
    box.append(f)
  }
  root.append(sec)
}
async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (!res.ok) alert((await res.json()).error.message)
}
async function say(body) {
  const res = await fetch('/sandbox/say', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (!res.ok) alert((await res.json()).error.message)
  setTimeout(refresh, 300)
}
async function refresh() {
  for (const sec of document.querySelectorAll('section')) {
    if (!sec.dataset.key) continue
    const key = sec.dataset.key
    const res = await fetch(key === DIRECT ? '/sandbox/direct' : '/sandbox/transcript/' + encodeURIComponent(key))
    const { lines } = await res.json()
    const box = sec.querySelector('.lines')
    const stamp = lines.length ? lines.length + ':' + lines[lines.length - 1].at : '0'
    if (box.dataset.seen === stamp) continue
    box.dataset.seen = stamp
    box.textContent = ''
    for (const l of lines) {
      const div = document.createElement('div')
      div.className = 'line' + (l.bot ? ' bot' : '')
      const b = document.createElement('b')
      b.textContent = (l.toName ? l.talkerName + ' → ' + l.toName : l.talkerName) + '：'
      div.append(b)
      div.append(document.createTextNode(l.type === 'image' ? '[图片]' : l.text))
      box.append(div)
    }
    box.scrollTop = box.scrollHeight
  }
}
load()
