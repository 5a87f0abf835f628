import type { AttentionView } from '../../app/attention-queries.js'
import type { CaseRecord } from '../../app/case-record.js'
import type { DraftWithSource } from '../../app/case-search.js'
import { label } from '../../app/case-facts-text.js'
import type { Directory } from '../../app/directory.js'
import { actorName, describeEvidence } from '../../app/evidence-sentence.js'
import type { EvidenceView } from '../../app/store.js'
import type { Wording } from '../../config/load-wording-dir.js'
import type { AttentionItem, CaseSummary, DraftSummary } from './api-schemas.js'

/** What the API shows of cases and drafts: ISO times, names resolved from the directory, Chinese labels. */
export interface ViewDeps {
  directory: Directory
  wording: Wording
  /** policy.draftExpiry: a pending review draft expires this long after it was made */
  draftExpiryMs?: number
  /** policy.timezone: times people read are the tenant's, whatever the reader's clock */
  timeZone: string
}

const iso = (d: Date | null) => (d ? d.toISOString() : null)

function personRef(deps: ViewDeps, id: string | null): { key: string; name: string } | null {
  return id ? { key: id, name: actorName(deps, id) } : null
}

export function caseSummaryView(deps: ViewDeps, k: CaseRecord, now: Date): CaseSummary {
  const customer = deps.directory.customer(k.customerKey)
  const partner = k.partnerKey ? deps.directory.partner(k.partnerKey) : undefined
  return {
    id: k.id,
    customer: { key: k.customerKey, name: customer?.name ?? k.customerKey },
    serviceType: k.serviceType,
    state: k.state,
    waitingParty: k.waitingParty,
    owner: personRef(deps, k.ownerId),
    partner: k.partnerKey ? { key: k.partnerKey, name: partner?.name ?? k.partnerKey } : null,
    groupKey: customer?.group ?? null,
    groupName: customer?.group ? (deps.directory.group(customer.group)?.topic ?? customer.group) : null,
    contact: personRef(deps, k.contactId),
    executor: personRef(deps, k.executorId),
    dueAt: iso(k.dueAt),
    overdue: k.closedAt === null && k.dueAt !== null && k.dueAt < now,
    reminderCount: k.reminderCount,
    createdAt: k.createdAt.toISOString(),
    updatedAt: k.updatedAt.toISOString(),
    labels: {
      serviceType: label(deps.wording, 'serviceTypes', k.serviceType),
      state: label(deps.wording, 'states', k.state),
      waitingParty: label(deps.wording, 'parties', k.waitingParty),
    },
  }
}

export function caseDetailView(deps: ViewDeps, k: CaseRecord, now: Date) {
  return {
    ...caseSummaryView(deps, k, now),
    orderNo: k.orderNo,
    missingItems: k.missingItems,
    cancellationReason: k.cancellationReason,
    stateEnteredAt: k.stateEnteredAt.toISOString(),
    nextTimerAt: iso(k.nextTimerAt),
    customerCompletedAt: iso(k.customerCompletedAt),
    writebackAt: iso(k.writebackAt),
    closedAt: iso(k.closedAt),
    attentionSince: iso(k.attentionSince),
  }
}

/**
 * An evidence event for the console: the raw record plus the sentence and the actor's name
 * people read (the console shows those and keeps the raw record one click away).
 */
export function evidenceViewJson(deps: ViewDeps, e: EvidenceView, draftGroups?: ReadonlyMap<number, string>) {
  const text = { ...deps, ...(draftGroups ? { draftGroups } : {}) }
  return { seq: e.seq, kind: e.kind, actor: e.actor, actorName: actorName(deps, e.actor), sentence: describeEvidence(text, e), at: e.at.toISOString(), payload: e.payload }
}

export function draftSummaryView(deps: ViewDeps, d: DraftWithSource): DraftSummary {
  return {
    id: d.id,
    caseId: d.caseId,
    category: d.category,
    mode: d.mode,
    targetGroupKey: d.targetGroupKey,
    targetGroupName: deps.directory.group(d.targetGroupKey)?.topic ?? d.targetGroupKey,
    text: d.text,
    finalText: d.finalText,
    original: d.original,
    source: d.sourceTalker ? { speaker: actorName(deps, d.sourceTalker), group: d.sourceGroup ? (deps.directory.group(d.sourceGroup)?.topic ?? d.sourceGroup) : null } : null,
    risks: d.riskFlags,
    riskLabels: d.riskFlags.map((f) => label(deps.wording, 'riskFlags', f)),
    candidates: d.candidates,
    status: d.status,
    createdAt: d.createdAt.toISOString(),
    // only a draft waiting for review expires (a missed send); decided ones no longer can
    expiresAt: d.status === 'pending' && d.mode === 'review_before_send' && deps.draftExpiryMs !== undefined ? new Date(d.createdAt.getTime() + deps.draftExpiryMs).toISOString() : null,
    decidedBy: d.decidedBy,
    decidedByName: d.decidedBy ? actorName(deps, d.decidedBy) : null,
    decidedAt: iso(d.decidedAt),
  }
}

/** An attention item for staff: the names and labels are resolved by the query (AttentionView). */
export function attentionItemView(a: AttentionView): AttentionItem {
  return {
    id: a.id,
    messageId: a.messageId,
    caseId: a.caseId,
    customer: a.customerKey ? { key: a.customerKey, name: a.customerName ?? a.customerKey } : null,
    group: a.groupKey ? { key: a.groupKey, name: a.groupName ?? a.groupKey, kind: a.groupKind } : null,
    speaker: { key: a.talkerId, name: a.speakerName },
    reasons: a.reasons,
    reasonLabels: a.reasonLabels,
    text: a.text,
    notified: a.notified,
    status: a.clearedAt === null ? 'open' : 'cleared',
    createdAt: a.createdAt.toISOString(),
    clearedAt: iso(a.clearedAt),
    clearedBy: a.clearedBy,
    clearNote: a.clearNote,
  }
}
