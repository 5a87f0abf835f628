import type { CaseRecord } from '../case-record.js'
import type { DecisionServices } from '../decide-ports.js'
import type { Tx } from '../store.js'

type CaseOnContact = Pick<CaseRecord, 'id' | 'contactId' | 'serviceType' | 'state' | 'cancellationReason'>

/**
 * A case opened, completed or cancelled: its customer contact's event log says so, in the same
 * transaction as the case change (funnels count conversions and churn reads service history from
 * these). Staff and partners named as a case's contact are not contacts, and get nothing.
 */
export async function noteCaseOnContact(tx: Pick<Tx, 'appendContactEvents'>, services: Pick<DecisionServices, 'contactOf'>, kase: CaseOnContact, kind: 'case_opened' | 'case_closed', at: Date): Promise<void> {
  if (kase.contactId === null || !services.contactOf) return
  const who = services.contactOf(kase.contactId)
  if (!who) return
  const closing: Record<string, string | null> = kind === 'case_closed' ? { state: kase.state, cancellationReason: kase.cancellationReason ?? null } : {}
  await tx.appendContactEvents([{ wecomId: kase.contactId, name: who.name, personId: who.personId, kind, detail: { caseId: kase.id, serviceType: kase.serviceType, ...closing }, at }])
}
