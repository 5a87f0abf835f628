import type { CaseEffects, DraftCategory } from '../domain/decide/decide-message.js'
import type { RiskFlag } from '../domain/types.js'
import type { Wording } from '../config/load-wording-dir.js'
import type { CaseRecord, NoticeAbout } from './case-record.js'
import { customerFacts, label, say } from './case-facts-text.js'
import type { DecisionServices } from './decide-ports.js'
import type { Directory } from './directory.js'
import type { Tx } from './store.js'
import { tellTeam } from './team-notices.js'

export interface DraftRequest {
  category: DraftCategory
  kase: CaseRecord
  riskFlags: RiskFlag[]
  /** what the draft asks for or lists as missing; the case's missing items when absent */
  items?: readonly string[]
  /** the message that led to this draft, quoted (marked internal) in the review notice */
  source: { messageId: number; text: string; groupKey: string | null; about?: NoticeAbout | null } | null
  /** facts beyond the case's own (an order's status, an approved answer), from the decision */
  facts?: Readonly<Record<string, string>>
  /** the policy/campaign entries those facts come from: recorded with the draft */
  knowledge?: ReadonlyArray<{ id: string; version: number; hash: string; kind: string }>
  /**
   * the customer's own identifiers the text may carry (their order's tracking number): the leak
   * guard lets these through as it does the contact's own phone
   */
  ownIds?: readonly string[]
  /** what approving the draft does to the case (a guessed reading's held-back effects) */
  onApproval?: CaseEffects
  /**
   * the message proposed the visit time the case holds: a request for items may name it. Without
   * this an older proposal still unanswered is left out ("睇完，电表房喺B1…" names no time).
   */
  proposesTime?: boolean
  /** the decision insists on review (e.g. partner rewrites, missing proof) */
  forceReview: boolean
  candidates: number[]
  now: Date
}

export interface DraftOutcome {
  draftId: number | null
  mode: 'send_direct' | 'review_before_send'
  riskFlags: RiskFlag[]
}

/**
 * Composes a customer-safe draft from approved knowledge, runs the leak guard, picks the mode,
 * stores the draft and queues what follows: the send itself, or a review notice for the team.
 */
export async function createDraft(tx: Tx, deps: { services: DecisionServices; directory: Directory; wording: Wording }, req: DraftRequest): Promise<DraftOutcome> {
  const { services, directory, wording } = deps
  const customer = directory.customer(req.kase.customerKey)
  const target = customer?.group
  const internal = directory.internalGroups()[0]
  const { composed, text, flags, details } = composeGuarded(deps, req)
  if (!target || !composed.ok) {
    // No approved wording fits: the team must write this one; nothing is sent.
    await notifyUncertain(tx, deps, { ...req, riskFlags: [...flags] }, internal?.key)
    return { draftId: null, mode: 'review_before_send', riskFlags: [...flags] }
  }
  const group = directory.group(target)
  if (group?.kind === 'public_customer') flags.add('public_group')
  const direct = !req.forceReview && flags.size === 0 && services.isAutomatic(req.category)
  const mode = direct ? 'send_direct' : 'review_before_send'
  const about = req.source?.about ?? null
  const caseRef = say(wording, 'review.case_ref', { case_id: req.kase.id, customer: customer?.name ?? req.kase.customerKey })
  await supersedeWaitingDraft(tx, req, direct)
  const draftId = await tx.insertDraft({
    caseId: req.kase.id,
    targetGroupKey: target,
    category: req.category,
    text,
    mode,
    status: direct ? 'sent_direct' : 'pending',
    riskFlags: [...flags],
    riskDetails: details,
    candidates: req.candidates,
    templateId: composed.templateId,
    templateVersion: composed.templateVersion,
    templateHash: composed.templateHash,
    knowledge: req.knowledge && req.knowledge.length > 0 ? { entries: [...req.knowledge] } : null,
    sourceMessageId: req.source?.messageId ?? null,
    // a draft sent on its own has nothing left to approve (a guessed reading is never sent so)
    onApproval:
      req.onApproval && !direct ? { ...req.onApproval, stateVersion: req.kase.stateVersion, awaiting: req.kase.awaiting, missingItems: req.kase.missingItems, wasAppointment: req.kase.appointment } : null,
    decidedBy: direct ? 'baton' : null,
    decidedAt: direct ? req.now : null,
    finalText: direct ? text : null,
    decisionNote: null,
    createdAt: req.now,
  })
  await tx.appendEvidence(req.kase.id, {
    kind: 'draft_created',
    actor: 'baton',
    at: req.now,
    payload: {
      draftId,
      category: req.category,
      mode,
      text,
      riskFlags: [...flags],
      template: { id: composed.templateId, version: composed.templateVersion, hash: composed.templateHash },
      ...(req.knowledge && req.knowledge.length > 0 ? { knowledge: [...req.knowledge] } : {}),
      sourceMessageId: req.source?.messageId ?? null,
    },
  })
  if (direct) {
    await tx.insertSend({ kind: 'draft', draftId, caseId: req.kase.id, groupKey: target, text }, req.now)
  } else if (internal) {
    const notice = say(wording, 'review.review_notice', {
      draft_id: draftId,
      case_ref: caseRef,
      group: group?.topic ?? target,
      text,
      original: req.source ? quote(req.source.text) : '—',
      reasons: reasonsText(wording, [...flags]),
      candidates: candidatesText(wording, req.candidates),
    })
    const told = await tellTeam(tx, deps, { about, caseId: req.kase.id, caseRef, text: notice, now: req.now })
    // the owner's direct message follows the group notice: none while a flood is being summarised
    if (told === 'told' && services.reviewDmToOwner && req.kase.ownerId) await tx.insertSend({ kind: 'notice', caseId: req.kase.id, contactId: req.kase.ownerId, text: notice }, req.now)
  }
  return { draftId, mode, riskFlags: [...flags] }
}

/** The draft's text from approved knowledge, and the leak guard's verdict on it (added to the request's flags). */
function composeGuarded(deps: { services: DecisionServices; directory: Directory; wording: Wording }, req: DraftRequest) {
  const { services, directory, wording } = deps
  // what was asked for, item by item; the service type's standard list only when nothing was named
  const named = req.items ?? req.kase.missingItems
  const items = named.length > 0 ? [...named] : services.materialItemsFor(req.kase.serviceType)
  const caseFacts = customerFacts(directory, wording, req.kase, items)
  const facts = { ...caseFacts, proposed_time: req.proposesTime ? caseFacts['proposed_time'] : undefined, ...req.facts }
  const composed = services.compose({ category: req.category, serviceType: req.kase.serviceType, facts, now: req.now })
  const flags = new Set<RiskFlag>(req.riskFlags)
  const details: Record<string, unknown> = {}
  let text = ''
  if (composed.ok) {
    text = composed.text
    const contactPhone = req.kase.contactId ? directory.person(req.kase.contactId)?.phone : undefined
    const own = [...(req.ownIds ?? [])]
    const guard = services.checkLeak(text, { phones: [...(contactPhone ? [contactPhone] : []), ...own], ids: own })
    if (!guard.ok) {
      flags.add('leak_guard')
      details['leaks'] = guard.hits
    }
  } else {
    details['composeError'] = { code: composed.code, detail: composed.detail }
  }
  return { composed, text, flags, details }
}

/**
 * One pending draft per case and category: a flood of the same question is one draft to review,
 * not a hundred, and the team reviews the newest reminder, not three identical ones. The newest
 * replaces the one waiting (each message still has its own draft on record, and its review
 * notice goes through the flood limits like any other).
 */
async function supersedeWaitingDraft(tx: Tx, req: DraftRequest, direct: boolean): Promise<void> {
  if ((direct || !req.source) && req.category !== 'reminder') return
  const replaced = await tx.supersedeDrafts(req.kase.id, req.category, req.now, Boolean(req.source))
  if (replaced.length > 0 && req.source) {
    await tx.appendEvidence(req.kase.id, {
      kind: 'draft_superseded',
      actor: 'baton',
      at: req.now,
      payload: { draftIds: replaced, category: req.category, sourceMessageId: req.source.messageId, reason: 'a newer draft of the same category' },
    })
  }
}

/** A review item with no draft: the team is told what came in and why Baton cannot answer. */
export async function notifyUncertain(
  tx: Tx,
  deps: { directory: Directory; wording: Wording },
  req: { riskFlags: RiskFlag[]; source: DraftRequest['source']; candidates: number[]; kase?: CaseRecord | null; now: Date },
  internalKey = deps.directory.internalGroups()[0]?.key,
): Promise<void> {
  if (!internalKey) return
  const from = req.source?.groupKey ? deps.directory.group(req.source.groupKey) : undefined
  const notice = say(deps.wording, 'review.uncertain_notice', {
    group: from?.topic ?? req.source?.groupKey ?? '私聊',
    original: req.source ? quote(req.source.text) : '—',
    reasons: reasonsText(deps.wording, req.riskFlags),
    candidates: candidatesText(deps.wording, req.candidates),
  })
  const about = req.source?.about ?? null
  const caseRef = req.kase ? say(deps.wording, 'review.case_ref', { case_id: req.kase.id, customer: deps.directory.customer(req.kase.customerKey)?.name ?? req.kase.customerKey }) : null
  await tellTeam(tx, deps, { about, caseId: req.kase?.id ?? null, caseRef, text: notice, now: req.now })
}

export function reasonsText(wording: Wording, flags: readonly RiskFlag[]): string {
  return flags.length === 0 ? (wording.get('review.no_risk') ?? '-') : flags.map((f) => label(wording, 'riskFlags', f)).join('、')
}

function candidatesText(wording: Wording, ids: readonly number[]): string {
  return ids.length === 0 ? '' : say(wording, 'review.candidates_line', { list: ids.map((id) => `#${id}`).join(' ') })
}

/** Quotes at most a phone screen's worth of the original. */
function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat
}
