import type { Awaiting, CaseAppointment, CaseState, Party, ServiceType } from '../types.js'

/** What the decision needs to know about an open case (loaded by the app). */
export interface CaseFacts {
  id: number
  customerKey: string
  serviceType: ServiceType
  state: CaseState
  waitingParty: Party
  contactId: string | null
  executorId: string | null
  ownerId: string | null
  partnerKey: string | null
  orderNo: string | null
  stateEnteredAt: Date
  updatedAt: Date
  /** an image or file arrived from the customer side since the case entered its state */
  proofSinceStateEntry: boolean
  /** requested items still missing / already arrived (customer-safe labels) */
  missingItems: readonly string[]
  receivedItems: readonly string[]
  /** what the case waits for from the customer side */
  awaiting: Awaiting | null
  /** the visit time proposed to or agreed by the customer side, if any */
  appointment: CaseAppointment | null
  /** a person must still act on something said in this case (a dispute, a hazard...) */
  needsPerson: boolean
}

/** What the decision needs to know about a customer (from the tenant file). */
export interface CustomerFacts {
  key: string
  groupKey: string
  contactId: string
  executorId: string | null
  serviceType: ServiceType | null
  orderNumbers: string[]
}
