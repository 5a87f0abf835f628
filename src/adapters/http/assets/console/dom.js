// Tiny DOM builder: text always goes in as text nodes, never as HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v)
    else if (k === 'class') el.className = v
    else if (k === 'dataset') Object.assign(el.dataset, v)
    else if (v === true) el.setAttribute(k, '')
    else el.setAttribute(k, String(v))
  }
  append(el, children)
  return el
}

/** Appends children, skipping null/undefined/false and flattening arrays (native append would print "null"). */
export function add(el, ...children) {
  append(el, children)
  return el
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue
    if (Array.isArray(c)) append(el, c)
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild)
  return el
}

/** A one-line message in the flash bar; errors stay until the next message. */
export function flash(text, kind = 'info') {
  const bar = document.getElementById('flash')
  clear(bar).append(h('div', { class: 'flash ' + kind }, text))
  clearTimeout(flash.timer)
  if (kind !== 'error') flash.timer = setTimeout(() => clear(bar), 6000)
}
