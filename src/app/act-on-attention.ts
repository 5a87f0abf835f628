import type { ServiceType } from '../domain/types.js'
import type { AttentionQueries, AttentionView } from './attention-queries.js'
import type { DecisionServices } from './decide-ports.js'
import { AppError } from './errors.js'
import { openCase, setCaseRole, type ManageDeps, type Staff } from './manage-case.js'
import { clearAttention } from './raise-attention.js'

/**
 * What a person can do about an attention item from the console, beside clearing it: answer the
 * customer where they spoke, open a case for the customer, or take the case over. Each goes
 * through the same use cases as chat and leaves its mark in the evidence trail.
 */
export interface AttentionActionDeps extends ManageDeps {
  attention: AttentionQueries
  services: ManageDeps['services'] & Pick<DecisionServices, 'checkLeak'>
}

/** The note kept with an item a reply or a take-over cleared (readable: it is shown as typed). */
const REPLIED = '已回复客户'
const TAKEN = '已接手处理'

async function openItem(deps: AttentionActionDeps, id: number): Promise<AttentionView> {
  const item = await deps.attention.get(id)
  if (!item) throw new AppError('not_found', `attention item ${id} does not exist`, { entity: 'attention', id })
  if (item.clearedAt !== null) {
    throw new AppError('conflict', `attention item ${id} was already cleared by ${item.clearedBy ?? 'someone'}`, {
      entity: 'attention',
      id,
      status: 'cleared',
      clearedBy: item.clearedBy,
      clearedByName: item.clearedByName,
      clearedAt: item.clearedAt.toISOString(),
    })
  }
  return item
}

/**
 * Answers the customer in the group the item came from, through the outbound queue (one send,
 * recorded with its delivery). The text passes the leak guard like an edited draft; a hit sends
 * nothing. The item is cleared: a person answered.
 */
export async function replyToAttention(deps: AttentionActionDeps, id: number, by: Staff, text: string): Promise<{ sendId: number; item: AttentionView }> {
  const trimmed = text.trim()
  if (trimmed.length === 0) throw new AppError('bad_arguments', 'the reply is empty', { field: 'text' })
  const item = await openItem(deps, id)
  const group = item.groupKey ? deps.directory.group(item.groupKey) : undefined
  // a reply goes back where the customer spoke; partner and internal wording is not the customer's
  if (!group || (group.kind !== 'customer' && group.kind !== 'public_customer')) {
    throw new AppError('bad_arguments', `attention item ${id} did not come from a customer group`, { field: 'id', reason: 'not_customer_group' })
  }
  const customer = deps.directory.customers.find((c) => c.group === group.key)
  const phone = customer ? deps.directory.person(customer.contact)?.phone : undefined
  const guard = deps.services.checkLeak(trimmed, { phones: phone ? [phone] : [], ids: [] })
  if (!guard.ok) throw new AppError('leak_guard', `the reply to attention item ${id} did not pass the leak guard`, { id, hits: guard.hits })
  const now = deps.clock.now()
  const sendId = await deps.store.transaction(async (tx) => {
    if (item.caseId !== null) {
      // two people replying at once: the second waits for the case lock, then finds it answered
      await tx.lockCase(item.caseId)
      await openItem(deps, id)
    }
    const sent = await tx.insertSend({ kind: 'reply', caseId: item.caseId, groupKey: group.key, text: trimmed }, now)
    if (item.caseId !== null) {
      await tx.appendEvidence(item.caseId, { kind: 'staff_reply', actor: by.id, at: now, payload: { attentionId: id, group: group.key, text: trimmed, sendId: sent } })
    }
    await clearAttention(tx, { id }, { by: by.id, note: REPLIED, at: now })
    return sent
  })
  return { sendId, item: (await deps.attention.get(id))! }
}

/**
 * Opens a case for the item's customer (or the one the person picked, when Baton could not tell
 * whose message it was), owned by the person. Every open item of that customer moves onto the
 * new case and stays open there until someone acts on it; an item of no customer is cleared.
 */
export async function openCaseForAttention(deps: AttentionActionDeps, id: number, by: Staff, input: { serviceType: ServiceType; customer?: string }): Promise<{ caseId: number; item: AttentionView }> {
  const item = await openItem(deps, id)
  if (item.caseId !== null) throw new AppError('conflict', `attention item ${id} already belongs to case ${item.caseId}`, { entity: 'attention', id, reason: 'has_case', caseId: item.caseId })
  const customer = item.customerKey ?? input.customer
  if (!customer) throw new AppError('bad_arguments', `attention item ${id} names no customer; pick one`, { field: 'customer', reason: 'customer_required' })
  const kase = await openCase(deps, by, { customer, serviceType: input.serviceType, note: item.text })
  if (item.customerKey === null) {
    // a message Baton could not place (the person picked the customer): acting on it is opening
    // the case, which keeps the message as its note
    await deps.store.transaction((tx) => clearAttention(tx, { id }, { by: by.id, note: `已建案件#${kase.id}`, at: deps.clock.now() }))
  }
  return { caseId: kase.id, item: (await deps.attention.get(id))! }
}

/** Takes the item's case over: the person owns it from now on, and the item is cleared. */
export async function takeAttention(deps: AttentionActionDeps, id: number, by: Staff): Promise<{ caseId: number; item: AttentionView }> {
  const item = await openItem(deps, id)
  if (item.caseId === null) throw new AppError('bad_arguments', `attention item ${id} belongs to no case; open one first`, { field: 'id', reason: 'no_case' })
  await setCaseRole(deps, by, item.caseId, 'owner', by.id)
  await deps.store.transaction((tx) => clearAttention(tx, { id }, { by: by.id, note: TAKEN, at: deps.clock.now() }))
  return { caseId: item.caseId, item: (await deps.attention.get(id))! }
}
