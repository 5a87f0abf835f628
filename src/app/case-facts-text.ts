import { renderTemplate } from '../domain/render-template.js'
import { wordingOf, type Wording } from '../config/load-wording-dir.js'
import type { CaseRecord } from './case-record.js'
import { appointmentParts } from '../domain/appointment-time.js'
import type { Directory } from './directory.js'

/** Fills a wording template; a template that references an unknown fact is a config bug. */
export function say(wording: Wording, key: string, vars: Record<string, string | number | undefined>): string {
  return renderTemplate(wordingOf(wording, key), vars).text
}

/**
 * A template that may be missing (a tenant's own wording folder from before it was added): a
 * template needing the fact then cannot be composed, and the team is told instead of a draft.
 */
function sayIfWorded(wording: Wording, key: string, vars: Record<string, string | number | undefined>): string | undefined {
  const template = wording.get(key)
  return template === undefined ? undefined : renderTemplate(template, vars).text
}

/** A label from labels.yaml, falling back to the raw code so nothing breaks on a missing label. */
export function label(wording: Wording, group: string, code: string): string {
  return wording.get(`labels.${group}.${code}`) ?? code
}

/**
 * The case facts a customer-facing template may use. Only case fields and approved labels:
 * never any text a partner or staff member typed.
 */
export function customerFacts(
  directory: Directory,
  wording: Wording,
  kase: Pick<CaseRecord, 'id' | 'customerKey' | 'serviceType' | 'contactId' | 'executorId' | 'orderNo' | 'state'> & Partial<Pick<CaseRecord, 'appointment'>>,
  items: string[],
): Record<string, string | undefined> {
  const customer = directory.customer(kase.customerKey)
  const visit = kase.appointment ? appointmentParts(kase.appointment) : null
  const weekday = visit ? wording.get(`labels.weekdays.${visit.weekday}`) : undefined
  const appointmentTime = visit && weekday ? sayIfWorded(wording, 'labels.appointmentTime', { ...visit, weekday }) : undefined
  const contact = kase.contactId ? directory.person(kase.contactId) : undefined
  const executor = kase.executorId ? directory.person(kase.executorId) : undefined
  return {
    case_id: String(kase.id),
    customer_name: customer?.name,
    contact_name: contact?.name ?? customer?.name,
    executor_name: executor?.name,
    order_no: kase.orderNo ?? undefined,
    service_label: label(wording, 'serviceTypes', kase.serviceType),
    state_label: label(wording, 'states', kase.state),
    progress: label(wording, 'progress', kase.state),
    items: items.join('、'),
    feedback_window: wording.get('labels.feedbackWindow') ?? '24小时',
    appointment_time: appointmentTime,
    // only a time the partner proposed and the customer has not agreed yet: a request may put it
    proposed_time: kase.appointment?.agreed === false ? appointmentTime : undefined,
    // a time the partner proposed is put to the customer; without one they are asked for theirs
    appointment_ask:
      (appointmentTime && kase.appointment?.agreed === false ? sayIfWorded(wording, 'labels.appointmentAsk.proposed', { appointment_time: appointmentTime }) : undefined) ??
      sayIfWorded(wording, 'labels.appointmentAsk.open', {}),
  }
}
