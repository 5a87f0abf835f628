import { label } from '../case-facts-text.js'
import type { CaseRecord } from '../case-record.js'
import type { CommandServices } from './command-context.js'
import type { EvidenceView } from '../store.js'
import { renderTemplate } from '../../domain/render-template.js'
import { wordingOf } from '../../config/load-wording-dir.js'

const formats = new Map<string, Intl.DateTimeFormat>()

/** A time as people in the tenant's groups read it: in the tenant's time zone (policy.timezone). */
export function formatTime(d: Date | null, none: string, timeZone: string): string {
  if (!d) return none
  let f = formats.get(timeZone)
  if (!f) formats.set(timeZone, (f = new Intl.DateTimeFormat('zh-CN', { timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })))
  return f.format(d)
}

function t(s: CommandServices, key: string, vars: Record<string, string | number | undefined>): string {
  return renderTemplate(wordingOf(s.wording, `replies.${key}`), vars).text
}

/** The case card `/case` shows: roles, state, what it waits on, due time, the last events. */
export function renderCaseCard(s: CommandServices, kase: CaseRecord, events: readonly EvidenceView[]): string {
  const none = s.wording.get('replies.none') ?? '-'
  const name = (id: string | null) => (id ? (s.directory.person(id)?.name ?? id) : none)
  const lines = events.map((e) => t(s, 'case_event_line', { at: formatTime(e.at, none, s.services.timeZone), what: describeEvent(s, e) }))
  return t(s, 'case_card', {
    case_id: kase.id,
    customer: s.directory.customer(kase.customerKey)?.name ?? kase.customerKey,
    service: label(s.wording, 'serviceTypes', kase.serviceType),
    contact: name(kase.contactId),
    executor: name(kase.executorId),
    partner: kase.partnerKey ? (s.directory.partner(kase.partnerKey)?.name ?? kase.partnerKey) : none,
    owner: name(kase.ownerId),
    state: label(s.wording, 'states', kase.state),
    waiting: label(s.wording, 'parties', kase.waitingParty),
    due: formatTime(kase.dueAt, none, s.services.timeZone),
    next_timer: formatTime(kase.nextTimerAt, none, s.services.timeZone),
    events: lines.join('\n'),
  }).trimEnd()
}

function describeEvent(s: CommandServices, e: EvidenceView): string {
  const base = s.wording.get(`replies.events.${e.kind}`) ?? e.kind
  if (e.kind === 'state_changed') {
    const p = e.payload as { from?: string; to?: string }
    return `${base} ${label(s.wording, 'states', p.from ?? '')} → ${label(s.wording, 'states', p.to ?? '')}`
  }
  // decisions and delivery outcomes by the names people read, never their codes
  if (e.kind === 'draft_decided') return `${base}（${label(s.wording, 'draftStatus', String((e.payload as { decision?: string }).decision ?? ''))}）`
  if (e.kind === 'delivery') return `${base}（${label(s.wording, 'deliveryStatus', String((e.payload as { status?: string }).status ?? ''))}）`
  return base
}

export function renderCaseLine(s: CommandServices, kase: CaseRecord, now: Date): string {
  const none = s.wording.get('replies.none') ?? '-'
  return t(s, 'cases_line', {
    case_id: kase.id,
    customer: s.directory.customer(kase.customerKey)?.name ?? kase.customerKey,
    state: label(s.wording, 'states', kase.state),
    due: formatTime(kase.dueAt, none, s.services.timeZone),
    overdue: kase.dueAt && kase.dueAt < now && !kase.closedAt ? (s.wording.get('replies.overdue_mark') ?? '') : '',
  })
}
