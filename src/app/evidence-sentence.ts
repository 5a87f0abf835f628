import { renderTemplate } from '../domain/render-template.js'
import { wordingOf, type Wording } from '../config/load-wording-dir.js'
import { label } from './case-facts-text.js'
import { formatTime } from './commands/case-card.js'
import type { Directory } from './directory.js'

/** What an evidence event is told from: the stored record (payload as stored, any shape). */
export interface EvidenceEventLike {
  kind: string
  actor: string
  at: Date | string
  payload: unknown
}

export interface EvidenceTextDeps {
  directory: Directory
  wording: Wording
  /** policy.timezone: times inside sentences are the tenant's, as in chat */
  timeZone: string
  /** where each draft of the case was to be sent, so "批准了草稿#3" can say to which group */
  draftGroups?: ReadonlyMap<number, string>
}

type Vars = Record<string, string | number | undefined>

const CJK = /[\u3400-\u9fff]/

/**
 * Who acted, as people read it: a person by name, Baton as 系统（自动）, a console token as
 * 控制台令牌「name」 (or the person it is named after), anyone else as an unlisted member. Ids stay
 * in the raw record.
 */
export function actorName(deps: Pick<EvidenceTextDeps, 'directory' | 'wording'>, id: string): string {
  const person = deps.directory.person(id)
  if (person) return person.name
  const fixed = deps.wording.get(`labels.actors.${id}`)
  if (fixed) return fixed
  if (id.startsWith('api:')) {
    const name = id.slice(4)
    return deps.directory.person(name)?.name ?? fill(deps.wording, 'actors.api', { name })
  }
  return deps.wording.get('evidence.actors.unknown') ?? id
}

/** The helpers every sentence is told with: payload readers and the wording's ways of naming things. */
function sentenceTools(deps: EvidenceTextDeps, e: EvidenceEventLike) {
  const { directory, wording } = deps
  const p = (e.payload && typeof e.payload === 'object' ? e.payload : {}) as Record<string, unknown>
  const str = (k: string): string | undefined => (typeof p[k] === 'string' && p[k] !== '' ? (p[k] as string) : undefined)
  const num = (k: string): number | undefined => (typeof p[k] === 'number' ? (p[k] as number) : typeof p[k] === 'string' && /^\d+$/.test(p[k] as string) ? Number(p[k]) : undefined)
  const none = wording.get('replies.none') ?? '—'
  const actor = actorName(deps, e.actor)
  const person = (id: string | undefined) => (id ? actorName(deps, id) : none)
  const group = (key: string | undefined) => (key ? (directory.group(key)?.topic ?? key) : fill(wording, 'direct_chat', {}))
  const time = (iso: string | undefined) => formatTime(iso ? new Date(iso) : null, none, deps.timeZone)
  const lbl = (section: string, code: string | undefined) => (code ? label(wording, section, code) : none)
  const reason = (r: string | undefined) => {
    const text = readableReason(wording, r)
    return text ? fill(wording, 'reason_suffix', { reason: text }) : ''
  }
  const w = (key: string, vars: Vars) => fill(wording, key, { actor, ...vars })
  const draftId = num('draftId')
  const toGroup = () => {
    const key = draftId !== undefined ? deps.draftGroups?.get(draftId) : undefined
    return key ? fill(wording, 'to_group', { group: group(key) }) : ''
  }
  return { directory, wording, p, str, num, none, person, group, time, lbl, reason, w, draftId, toGroup }
}
type SentenceTools = ReturnType<typeof sentenceTools>

/**
 * One evidence event as a Chinese sentence from config/wording/evidence.yaml: who did what, to
 * which draft, in which group, by name; states, outcomes and reasons in words. Anything a
 * sentence leaves out (ids, hashes, model details) is in the raw record the reader can open.
 */
export function describeEvidence(deps: EvidenceTextDeps, e: EvidenceEventLike): string {
  const t = sentenceTools(deps, e)
  return draftSentence(t, e.kind) ?? caseSentence(t, e.kind) ?? t.w('other', { kind: t.wording.get(`replies.events.${e.kind}`) ?? e.kind })
}

/** Drafts and their sends: created, decided, delivered, expired, superseded, recalled. */
function draftSentence(t: SentenceTools, kind: string): string | undefined {
  const { wording, p, str, num, none, group, lbl, reason, w, draftId, toGroup } = t
  switch (kind) {
    case 'draft_created':
      return w('draft_created', { draft_id: draftId, category: lbl('categories', str('category')), mode: lbl('modes', str('mode')), text: str('text') ?? none })
    case 'draft_decided': {
      const decision = str('decision') ?? 'other'
      const hits = Array.isArray(p['hits']) ? (p['hits'] as { kind?: string; match?: string }[]).map((h) => `${lbl('leakKinds', h.kind)}「${h.match ?? ''}」`).join('、') : none
      const key =
        decision === 'approved' && typeof p['droppedEdit'] === 'string'
          ? 'approved_original'
          : (decision === 'approved' || decision === 'edited') && p['forced'] === true
            ? 'approved_forced'
            : wording.has(`evidence.draft_decided.${decision}`)
              ? decision
              : 'other'
      return w(`draft_decided.${key}`, { draft_id: draftId, to_group: toGroup(), text: str('text') ?? none, reason: reason(str('reason')), hits })
    }
    case 'delivery': {
      const status = str('status') ?? 'unknown'
      const kind = str('sendKind') ?? 'draft'
      const what = fill(wording, `send_kinds.${wording.has(`evidence.send_kinds.${kind}`) ? kind : 'notice'}`, { draft_id: draftId })
      return w(`delivery.${wording.has(`evidence.delivery.${status}`) ? status : 'unknown'}`, { what, group: group(str('group')), attempts: num('attempts') ?? 1 })
    }
    case 'draft_expired':
      return w('draft_expired', { draft_id: draftId })
    case 'draft_superseded': {
      // events written before the RETURNING fix carry nulls: those drafts are unknown, not "#null"
      const known = Array.isArray(p['draftIds']) ? (p['draftIds'] as unknown[]).filter((d) => typeof d === 'number' || (typeof d === 'string' && /^\d+$/.test(d))) : []
      const ids = known.length > 0 ? known.map((d) => `#${String(d)}`).join('、') : fill(wording, 'earlier_drafts', {})
      return w('draft_superseded', { drafts: ids })
    }
    case 'recalled':
      return w(p['recalled'] === false ? 'not_recalled' : 'recalled', { draft_id: draftId })
    default:
      return undefined
  }
}

/** Everything else that happens to a case: messages, states, people, timers, attention. */
function caseSentence(t: SentenceTools, kind: string): string | undefined {
  const { directory, wording, p, str, num, none, person, group, time, lbl, reason, w } = t
  switch (kind) {
    case 'message': {
      const mode = str('mode') ? fill(wording, 'mode_suffix', { mode: lbl('modes', str('mode')) }) : ''
      const type = str('type') ?? 'text'
      if (type === 'text' && str('text')) return w('message', { group: group(str('group')), text: str('text'), mode })
      if (type === 'image') return w('message_image', { group: group(str('group')), mode })
      return w('message_other', { group: group(str('group')), type: lbl('messageTypes', type), mode })
    }
    case 'case_opened': {
      const customer = str('customer')
      return w('case_opened', {
        customer: customer ? (directory.customer(customer)?.name ?? customer) : none,
        service: lbl('serviceTypes', str('serviceType')),
        order: str('orderNo') ? fill(wording, 'order_suffix', { order: str('orderNo') }) : '',
      })
    }
    case 'state_changed':
      return w('state_changed', {
        from: lbl('states', str('from')),
        to: lbl('states', str('to')),
        reason: reason(str('cancellationReason') ?? str('reason')),
        due: str('dueAt') ? fill(wording, 'due_suffix', { due: time(str('dueAt')) }) : '',
      })
    case 'transition_refused':
      return w('transition_refused', { from: lbl('states', str('from')), to: lbl('states', str('to')) })
    case 'writeback': {
      const partner = str('partner')
      return w('writeback', { partner: partner ? (directory.partner(partner)?.name ?? partner) : none, group: group(str('group')), text: str('text') ?? none })
    }
    case 'executor_set':
    case 'owner_set':
      return w(kind, { from: person(str('from')), to: person(str('to')) })
    case 'partner_set': {
      const partner = str('partner')
      return w('partner_set', { partner: partner ? (directory.partner(partner)?.name ?? partner) : none })
    }
    case 'timer_fired': {
      const step = str('step') ?? 'other'
      return w(`timer_fired.${wording.has(`evidence.timer_fired.${step}`) ? step : 'other'}`, { attempt: num('attempt') ?? 1, next: time(str('nextTimerAt')) })
    }
    case 'snoozed':
    case 'remind_requested':
      return w(kind, { at: time(str('nextTimerAt')), reason: reason(str('reason')) })
    case 'attention_raised': {
      const reasons = Array.isArray(p['reasons']) ? (p['reasons'] as string[]).map((r) => label(wording, 'riskFlags', r)).join('、') : none
      const notified = p['folded'] === true || p['notified'] === false ? fill(wording, 'attention_folded', {}) : fill(wording, 'attention_notified', {})
      return w('attention_raised', { reasons, notified })
    }
    case 'attention_cleared':
      return w('attention_cleared', { note: reason(str('note')) })
    case 'staff_reply':
      return w('staff_reply', { group: group(str('group')), text: str('text') ?? none })
    case 'attention_attached':
      return w('attention_attached', { count: Array.isArray(p['items']) ? p['items'].length : 1 })
    default:
      return undefined
  }
}

/**
 * A reason or note as people read it: Baton's own (English, stored in the trail) from the
 * wording's table; one a person typed (Chinese) as typed; anything else is left to the raw record.
 */
export function readableReason(wording: Wording, r: string | undefined): string | undefined {
  if (!r) return undefined
  const known = wording.get(`evidence.reasons.${r}`)
  if (known) return known
  return CJK.test(r) ? r : undefined
}

function fill(wording: Wording, key: string, vars: Vars): string {
  return renderTemplate(wordingOf(wording, `evidence.${key}`), vars).text
}
