import { checkTransition, isTerminal, waitingPartyOf, type CaseActor } from '../domain/case-state.js'
import type { CaseState } from '../domain/types.js'
import type { CaseRecord } from './case-record.js'
import type { DecisionServices } from './decide-ports.js'
import { AppError } from './errors.js'
import { noteCaseOnContact } from './growth/case-contact-events.js'
import type { Tx } from './store.js'

/**
 * Moves a locked case to `to` if the state machine allows `actor` to; records the change in
 * the evidence trail. An illegal move throws AppError('illegal_transition') and changes nothing.
 */
export async function applyTransition(
  tx: Tx,
  services: Pick<DecisionServices, 'dueAt' | 'planTimer' | 'contactOf'>,
  kase: CaseRecord,
  change: { to: CaseState; actor: CaseActor; by: string; reason: string; now: Date; dueAt?: Date | null; missingItems?: string[]; cancellationReason?: string },
): Promise<CaseRecord> {
  const verdict = checkTransition(kase.state, change.to, change.actor)
  if (!verdict.ok) {
    throw new AppError('illegal_transition', verdict.reason, { code: verdict.code, caseId: kase.id, from: kase.state, to: change.to })
  }
  const terminal = isTerminal(change.to)
  // SLA clock: the time just spent goes to the team's bucket or to the outside world's
  const spent = Math.max(0, change.now.getTime() - kase.stateEnteredAt.getTime())
  const external = ['customer', 'contact', 'executor', 'partner'].includes(kase.waitingParty)
  const dueAt = terminal ? null : change.dueAt !== undefined ? change.dueAt : services.dueAt(change.to, kase.serviceType, change.now)
  const next: CaseRecord = {
    ...kase,
    state: change.to,
    waitingParty: waitingPartyOf(change.to),
    dueAt,
    stateEnteredAt: change.now,
    stateVersion: kase.stateVersion + 1,
    reminderCount: 0,
    updatedAt: change.now,
    closedAt: terminal ? change.now : null,
    missingItems: change.missingItems ?? (terminal ? [] : kase.missingItems),
    cancellationReason: change.cancellationReason ?? kase.cancellationReason,
    waitingExternalMs: kase.waitingExternalMs + (external ? spent : 0),
    waitingTeamMs: kase.waitingTeamMs + (external ? 0 : spent),
    nextTimerAt: null,
  }
  next.nextTimerAt = terminal ? null : (services.planTimer(next)?.at ?? null)
  await tx.updateCase(kase.id, {
    nextTimerAt: next.nextTimerAt,
    waitingExternalMs: next.waitingExternalMs,
    waitingTeamMs: next.waitingTeamMs,
    state: next.state,
    waitingParty: next.waitingParty,
    dueAt: next.dueAt,
    stateEnteredAt: next.stateEnteredAt,
    stateVersion: next.stateVersion,
    reminderCount: next.reminderCount,
    updatedAt: next.updatedAt,
    closedAt: next.closedAt,
    missingItems: next.missingItems,
    cancellationReason: next.cancellationReason,
  })
  await tx.appendEvidence(kase.id, {
    kind: 'state_changed',
    actor: change.by,
    at: change.now,
    payload: {
      from: kase.state,
      to: change.to,
      actorRole: change.actor,
      reason: change.reason,
      dueAt: dueAt?.toISOString() ?? null,
      ...(change.cancellationReason ? { cancellationReason: change.cancellationReason } : {}),
    },
  })
  // completed or cancelled: the customer's contact log says the case closed (growth funnels, churn)
  if (terminal) await noteCaseOnContact(tx, services, next, 'case_closed', change.now)
  return next
}
