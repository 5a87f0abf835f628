import { applyTransition } from './apply-transition.js'
import { formatTime } from './commands/case-card.js'
import { label, say } from './case-facts-text.js'
import type { DraftCategory } from '../domain/decide/decide-message.js'
import type { CaseRecord, DraftStatus } from './case-record.js'
import { createDraft } from './create-draft.js'
import type { HandleDeps } from './handle-message.js'
import type { Telemetry } from './ports.js'
import type { Tx } from './store.js'

/** A timer needs what deciding a message needs: the store, directory, services and wording. */
export type TimerDeps = HandleDeps & { telemetry?: Pick<Telemetry, 'timerFired'> }

/** What deciding and writing one firing needs, besides a transaction: no store, no clock. */
export type FiringDeps = Pick<TimerDeps, 'services' | 'directory' | 'wording'>

export interface TimerJob {
  caseId: number
  stateVersion: number
  attempt: number
}

export type TimerOutcome = 'stale' | 'remind' | 'escalate_owner' | 'escalate_supervisor' | 'auto_close'

/** Timers may fire a little early (clock skew between Redis and us); never much earlier. */
const EARLY_TOLERANCE_MS = 1000

/** What firing one timer on a locked case did (lateMs is null for a stale timer). */
export interface Firing {
  outcome: TimerOutcome
  lateMs: number | null
}

/**
 * Fires one reminder/escalation timer. The case row is locked and must still be in the same
 * state entry, at the same attempt, and due — otherwise the timer is stale and does nothing, so
 * re-delivered, duplicated or re-created jobs never remind twice.
 */
export async function fireTimer(deps: TimerDeps, job: TimerJob): Promise<TimerOutcome> {
  const now = deps.clock.now()
  const fired = await deps.store.transaction(async (tx) => {
    const kase = await tx.lockCase(job.caseId)
    const f = await fireLocked(tx, deps, kase, job, now)
    if (f.lateMs !== null) deps.log.info({ caseId: job.caseId, step: f.outcome, attempt: job.attempt, lateMs: f.lateMs }, 'timer fired')
    return f
  })
  // counted once committed: a rolled-back firing is retried and would be counted twice
  if (fired.lateMs !== null) deps.telemetry?.timerFired(fired.outcome, fired.lateMs)
  return fired.outcome
}

/**
 * The decision and the writes of one timer on a case the caller has locked (`kase` as locked,
 * null if it is gone). Shared by fireTimer and the batched fireTimers, so both follow exactly
 * the same stale rules, steps, wording and evidence.
 */
export async function fireLocked(tx: Tx, deps: FiringDeps, kase: CaseRecord | null, job: TimerJob, now: Date): Promise<Firing> {
  const due = kase?.nextTimerAt
  if (!kase || kase.closedAt || !due || kase.stateVersion !== job.stateVersion || kase.reminderCount !== job.attempt || due.getTime() > now.getTime() + EARLY_TOLERANCE_MS) {
    return { outcome: 'stale', lateMs: null }
  }
  const plan = deps.services.planTimer(kase)
  if (!plan) {
    await tx.updateCase(kase.id, { nextTimerAt: null })
    return { outcome: 'stale', lateMs: null }
  }
  let current: CaseRecord = kase
  switch (plan.step) {
    case 'remind':
      await remind(tx, deps, kase, now)
      break
    case 'escalate_owner':
      await escalate(tx, deps, kase, 'owner', now)
      break
    case 'escalate_supervisor':
      await escalate(tx, deps, kase, 'supervisor', now)
      break
    case 'auto_close':
      current = await applyTransition(tx, deps.services, kase, { to: 'cancelled', actor: 'system', by: 'baton', reason: 'no_response', cancellationReason: 'no_response', now })
      await notifyInternal(tx, deps, kase, say(deps.wording, 'review.auto_closed', caseVars(deps, kase)), now)
      break
  }
  const reminderCount = kase.reminderCount + 1
  const next = current.closedAt ? null : (deps.services.planTimer({ ...kase, reminderCount })?.at ?? null)
  if (!current.closedAt) await tx.updateCase(kase.id, { reminderCount, nextTimerAt: next, updatedAt: now })
  const lateMs = now.getTime() - due.getTime()
  await tx.appendEvidence(kase.id, {
    kind: 'timer_fired',
    actor: 'baton',
    at: now,
    payload: { step: plan.step, attempt: job.attempt, dueAt: due.toISOString(), lateMs, nextTimerAt: next?.toISOString() ?? null },
  })
  return { outcome: plan.step, lateMs }
}

function caseVars(deps: FiringDeps, kase: CaseRecord): Record<string, string | number> {
  const none = deps.wording.get('replies.none') ?? '-'
  const person = (id: string | null) => (id ? (deps.directory.person(id)?.name ?? id) : none)
  return {
    case_id: kase.id,
    customer: deps.directory.customer(kase.customerKey)?.name ?? kase.customerKey,
    order_no: kase.orderNo ?? '-',
    state: label(deps.wording, 'states', kase.state),
    waiting: label(deps.wording, 'parties', kase.waitingParty),
    owner: person(kase.ownerId),
    due: formatTime(kase.dueAt, none, deps.services.timeZone),
    reminders: kase.reminderCount,
  }
}

/** Drafts that ask the customer side for something: until the newest is sent, the customer has not been asked. */
const CUSTOMER_REQUESTS: readonly DraftCategory[] = ['material_request', 'coordination_request', 'appointment_request', 'schedule_update', 'proof_request']
/** What became of a request that reached the customer (taken over: a person asked them by hand). */
const ASKED: ReadonlySet<DraftStatus> = new Set(['approved', 'edited', 'sent_direct', 'taken_over'])

/** A reminder to the party waited on, in its own group. */
async function remind(tx: Tx, deps: FiringDeps, kase: CaseRecord, now: Date): Promise<void> {
  switch (kase.waitingParty) {
    case 'customer':
    case 'contact':
    case 'executor': {
      // the request the case waits on never reached the customer (its draft still waits for
      // review, or was rejected or expired): reminding them of it would ask for something they
      // were never asked, in words no one approved; the team is reminded of the draft instead
      const request = await tx.latestDraft(kase.id, CUSTOMER_REQUESTS)
      if (request && !ASKED.has(request.status)) {
        const status = label(deps.wording, 'draftStatus', request.status)
        await notifyInternal(tx, deps, kase, say(deps.wording, 'review.request_unsent_reminder', { ...caseVars(deps, kase), draft_id: request.id, status }), now)
        return
      }
      // reminder wording from knowledge, naming what is still missing; direct only when the team
      // made "reminder" automatic and nothing on the case waits for a person (nobody is nudged
      // automatically while their complaint is open); a reminder still waiting for review gives
      // way to this one
      const open = kase.attentionSince !== null
      await createDraft(tx, deps, { category: 'reminder', kase, riskFlags: open ? ['open_matter'] : [], source: null, forceReview: open, candidates: [], now })
      return
    }
    case 'partner': {
      const partner = kase.partnerKey ? deps.directory.partner(kase.partnerKey) : undefined
      if (partner) {
        await tx.insertSend({ kind: 'reminder', caseId: kase.id, groupKey: partner.group, text: say(deps.wording, 'review.partner_reminder', caseVars(deps, kase)) }, now)
        return
      }
      break
    }
    default:
      break
  }
  await notifyInternal(tx, deps, kase, say(deps.wording, 'review.team_reminder', caseVars(deps, kase)), now)
}

async function escalate(tx: Tx, deps: FiringDeps, kase: CaseRecord, to: 'owner' | 'supervisor', now: Date): Promise<void> {
  const text = say(deps.wording, to === 'owner' ? 'review.escalation_owner' : 'review.escalation_supervisor', caseVars(deps, kase))
  await notifyInternal(tx, deps, kase, text, now)
  const people = to === 'owner' ? (kase.ownerId ? [kase.ownerId] : []) : deps.directory.peopleWithRole('supervisor').map((p) => p.id)
  for (const id of people) await tx.insertSend({ kind: 'escalation', caseId: kase.id, contactId: id, text }, now)
}

async function notifyInternal(tx: Tx, deps: FiringDeps, kase: CaseRecord, text: string, now: Date): Promise<void> {
  const internal = deps.directory.internalGroups()[0]
  if (internal) await tx.insertSend({ kind: 'escalation', caseId: kase.id, groupKey: internal.key, text }, now)
}
