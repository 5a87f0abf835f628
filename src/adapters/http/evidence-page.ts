import type { ChainEvent } from '../../domain/evidence-hash.js'
import { say } from '../../app/case-facts-text.js'
import type { CaseRecord } from '../../app/case-record.js'
import type { VerifyReport } from '../../app/verify-evidence.js'
import { caseDetailView, type ViewDeps } from './api-views.js'
import { knowledgeLines } from './evidence-knowledge.js'

const TIME = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })

/** The print button's inline handler: the Content-Security-Policy allows exactly this text by its hash. */
export const PRINT_HANDLER = 'window.print()'

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/**
 * The printable evidence page of one case: its facts, the chain verification result and every
 * event with its hash. Chinese labels come from config/wording (evidence-page.yaml, replies.events).
 */
export function renderEvidencePage(deps: ViewDeps, kase: CaseRecord, events: readonly ChainEvent[], check: VerifyReport, now: Date): string {
  const w = (key: string, vars: Record<string, string | number | undefined> = {}) => escapeHtml(say(deps.wording, `evidence-page.${key}`, vars))
  const time = (iso: string | null) => (iso ? TIME.format(new Date(iso)) : '—')
  const v = caseDetailView(deps, kase, now)
  const none = '—'
  const facts: Array<[string, string]> = [
    ['customer', v.customer.name],
    ['serviceType', v.labels.serviceType],
    ['state', v.labels.state],
    ['waitingParty', v.labels.waitingParty],
    ['owner', v.owner?.name ?? none],
    ['contact', v.contact?.name ?? none],
    ['executor', v.executor?.name ?? none],
    ['partner', v.partner?.name ?? none],
    ['orderNo', v.orderNo ?? none],
    ['dueAt', time(v.dueAt)],
    ['createdAt', time(v.createdAt)],
    ['closedAt', time(v.closedAt)],
    ['cancellationReason', v.cancellationReason ?? none],
  ]
  const broken = check.broken[0]
  const verdict = broken
    ? `<p class="bad">${w('broken', { seq: broken.seq, reason: deps.wording.get(`evidence-page.reasons.${broken.reason}`) ?? broken.reason })}</p>`
    : events.length === 0
      ? `<p>${w('empty')}</p>`
      : `<p class="ok">${w('verified', { count: events.length })}</p>`
  const rows = events
    .map((e) => {
      const kind = deps.wording.get(`replies.events.${e.kind}`) ?? e.kind
      const cls = broken && e.seq >= broken.seq ? ' class="bad"' : ''
      return `<tr${cls}><td>${e.seq}</td><td>${escapeHtml(time(e.at))}</td><td>${escapeHtml(kind)}<br><code>${escapeHtml(e.kind)}</code></td><td>${escapeHtml(e.actor)}</td><td><pre>${escapeHtml(JSON.stringify(e.payload, null, 1))}</pre></td><td><code>${escapeHtml(e.hash.slice(0, 16))}…</code></td></tr>`
    })
    .join('\n')
  const used = knowledgeLines(deps.wording, events, time)
  const usedList = used.length === 0 ? `<p>${w('knowledgeNone')}</p>` : `<ul>${used.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`
  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${w('title', { case_id: kase.id })}</title>
<style>
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #bbb;padding:4px 6px;vertical-align:top;text-align:left;font-size:13px}
pre{margin:0;white-space:pre-wrap;word-break:break-all;font-size:12px}.ok{color:#176117}.bad{color:#a11;background:#fdeaea}
dl{display:grid;grid-template-columns:8em 1fr;gap:2px 1em}dt{color:#555}dd{margin:0}
@media print{button{display:none}body{margin:0}}
</style></head><body>
<h1>${w('title', { case_id: kase.id })}</h1>
<p>${w('generated', { at: TIME.format(now) })} <button onclick="${PRINT_HANDLER}">${w('print')}</button></p>
<h2>${w('caseSection')}</h2>
<dl>${facts.map(([k, val]) => `<dt>${w(`fields.${k}`)}</dt><dd>${escapeHtml(val)}</dd>`).join('')}</dl>
<h2>${w('chainSection')}</h2>
${verdict}
<h2>${w('knowledgeSection')}</h2>
${usedList}
<h2>${w('eventsSection')}</h2>
<table><thead><tr>${['seq', 'at', 'kind', 'actor', 'payload', 'hash'].map((c) => `<th>${w(`columns.${c}`)}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`
}
