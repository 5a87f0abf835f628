import type { ChainEvent } from '../../domain/evidence-hash.js'
import { say } from '../../app/case-facts-text.js'
import type { CaseRecord } from '../../app/case-record.js'
import { actorName, describeEvidence } from '../../app/evidence-sentence.js'
import type { VerifyReport } from '../../app/verify-evidence.js'
import { caseDetailView, type ViewDeps } from './api-views.js'
import { knowledgeLines } from './evidence-knowledge.js'

const clocks = new Map<string, Intl.DateTimeFormat>()
/** Full date and time in the tenant's zone (policy.timezone), as chat shows them. */
function clockOf(timeZone: string): Intl.DateTimeFormat {
  let f = clocks.get(timeZone)
  if (!f) clocks.set(timeZone, (f = new Intl.DateTimeFormat('zh-CN', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })))
  return f
}

/** The print button's inline handler: the Content-Security-Policy allows exactly this text by its hash. */
export const PRINT_HANDLER = 'window.print()'

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/**
 * The printable evidence page of one case: its facts, the chain verification result and every
 * event with its hash. Chinese labels come from config/wording (evidence-page.yaml, replies.events).
 */
export function renderEvidencePage(deps: ViewDeps & { draftGroups?: ReadonlyMap<number, string> }, kase: CaseRecord, events: readonly ChainEvent[], check: VerifyReport, now: Date): string {
  const w = (key: string, vars: Record<string, string | number | undefined> = {}) => escapeHtml(say(deps.wording, `evidence-page.${key}`, vars))
  const TIME = clockOf(deps.timeZone)
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
      // the sentence is what a reader needs; the stored record (ids, codes) stays one click away
      const raw = `<details><summary>${w('raw')}</summary><pre>${escapeHtml(JSON.stringify({ kind: e.kind, actor: e.actor, payload: e.payload }, null, 1))}</pre></details>`
      return `<tr${cls}><td>${e.seq}</td><td class="at">${escapeHtml(time(e.at))}</td><td class="kind">${escapeHtml(kind)}</td><td class="actor">${escapeHtml(actorName(deps, e.actor))}</td><td class="what">${escapeHtml(describeEvidence(deps, e))}${raw}</td><td class="hash"><code>${escapeHtml(e.hash)}</code></td></tr>`
    })
    .join('\n')
  const used = knowledgeLines(deps.wording, events, time)
  const usedList =
    used.length === 0
      ? `<p>${w('knowledgeNone')}</p>`
      : `<ul>${used.map((l) => `<li>${escapeHtml(l.text)}<details><summary>${w('raw')}</summary><pre>${escapeHtml(JSON.stringify(l.raw, null, 1))}</pre></details></li>`).join('')}</ul>`
  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${w('title', { case_id: kase.id })}</title>
<style>
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #bbb;padding:4px 6px;vertical-align:top;text-align:left;font-size:13px}
pre{margin:0;white-space:pre-wrap;word-break:break-all;font-size:12px}td.at,td.kind,td.actor{white-space:nowrap}td.what{white-space:pre-wrap;word-break:break-word;min-width:24em}
td.hash{width:9em}td.hash code{display:block;word-break:break-all;font-size:11px;color:#555}details summary{color:#555;cursor:pointer;font-size:12px;margin-top:4px}
@media print{details{display:none}}.ok{color:#176117}.bad{color:#a11;background:#fdeaea}
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
