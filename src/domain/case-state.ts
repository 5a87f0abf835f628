import type { CaseState, Party } from './types.js'

/** Who causes a transition. `system` is Baton itself (write-backs, auto-close). */
export type CaseActor = 'customer' | 'contact' | 'executor' | 'partner' | 'handler' | 'supervisor' | 'system'

const STAFF: readonly CaseActor[] = ['handler', 'supervisor']
const CUSTOMER_SIDE: readonly CaseActor[] = ['customer', 'contact', 'executor']

export interface Transition {
  from: CaseState
  to: CaseState
  by: readonly CaseActor[]
}

const WAITING_ON_CUSTOMER = ['waiting_customer_material', 'waiting_contact_coordination', 'waiting_executor'] as const
const OPEN: readonly CaseState[] = ['requested', ...WAITING_ON_CUSTOMER, 'waiting_review', 'waiting_partner', 'material_received']

/**
 * The declared transitions. Staff may move an open case anywhere open by hand (`/wait`), close
 * it (`/done`, `/cancel`); customers only report their part; partners open requests and confirm
 * completion; Baton (system) moves to waiting_partner after a write-back and auto-closes.
 */
export const TRANSITIONS: readonly Transition[] = [
  // partner requests customer cooperation
  ...(['waiting_customer_material', 'waiting_contact_coordination', 'waiting_executor', 'waiting_review'] as const).map((to) => ({
    from: 'requested' as CaseState,
    to,
    by: ['partner', 'system', ...STAFF] as CaseActor[],
  })),
  // a partner may re-ask while waiting on the customer side or on itself
  ...(['waiting_customer_material', 'waiting_contact_coordination', 'waiting_executor', 'waiting_partner', 'material_received'] as const).flatMap((from) =>
    (['waiting_customer_material', 'waiting_contact_coordination', 'waiting_executor'] as const)
      .filter((to) => to !== from)
      .map((to) => ({ from: from as CaseState, to: to as CaseState, by: ['partner', ...STAFF] as CaseActor[] })),
  ),
  // the customer side does its part
  ...WAITING_ON_CUSTOMER.map((from) => ({ from: from as CaseState, to: 'material_received' as CaseState, by: [...CUSTOMER_SIDE, 'system', ...STAFF] as CaseActor[] })),
  { from: 'waiting_contact_coordination', to: 'waiting_executor', by: ['contact', 'system', ...STAFF] },
  // after the write-back the partner continues
  { from: 'material_received', to: 'waiting_partner', by: ['system', ...STAFF] },
  { from: 'requested', to: 'waiting_partner', by: ['system', ...STAFF] },
  { from: 'waiting_review', to: 'waiting_partner', by: ['system', ...STAFF] },
  // completion: partner confirms, or staff close it
  { from: 'waiting_partner', to: 'completed', by: ['partner', ...STAFF] },
  { from: 'material_received', to: 'completed', by: ['partner', 'system', ...STAFF] },
  ...OPEN.filter((s) => s !== 'waiting_partner' && s !== 'material_received').map((from) => ({ from, to: 'completed' as CaseState, by: STAFF })),
  // cancellation from any open state (system: auto-close for no response)
  ...OPEN.map((from) => ({ from, to: 'cancelled' as CaseState, by: ['system', ...STAFF] as CaseActor[] })),
  // staff may move any open case to any other open state by hand
  ...OPEN.flatMap((from) => OPEN.filter((to) => to !== from).map((to) => ({ from, to, by: STAFF }))),
  // a supervisor may reopen a cancelled case (e.g. cancelled by mistake)
  { from: 'cancelled', to: 'requested', by: ['supervisor'] },
]

const INDEX = new Map<string, Set<CaseActor>>()
for (const t of TRANSITIONS) {
  const key = `${t.from}>${t.to}`
  const set = INDEX.get(key) ?? new Set<CaseActor>()
  t.by.forEach((a) => set.add(a))
  INDEX.set(key, set)
}

export type TransitionCheck = { ok: true } | { ok: false; code: 'illegal_transition' | 'actor_not_allowed' | 'same_state' | 'terminal_state'; reason: string }

/** Whether `actor` may move a case from `from` to `to`; a refusal says why. */
export function checkTransition(from: CaseState, to: CaseState, actor: CaseActor): TransitionCheck {
  if (from === to) return { ok: false, code: 'same_state', reason: `case is already ${from}` }
  const allowed = INDEX.get(`${from}>${to}`)
  if (!allowed) {
    if (isTerminal(from)) return { ok: false, code: 'terminal_state', reason: `${from} is final; nothing moves it to ${to}` }
    return { ok: false, code: 'illegal_transition', reason: `${from} → ${to} is not a transition` }
  }
  if (!allowed.has(actor)) return { ok: false, code: 'actor_not_allowed', reason: `${actor} may not move a case from ${from} to ${to}` }
  return { ok: true }
}

export function isTerminal(state: CaseState): boolean {
  return state === 'completed' || state === 'cancelled'
}

/** The party a state waits on. */
export function waitingPartyOf(state: CaseState): Party {
  switch (state) {
    case 'waiting_customer_material':
      return 'customer'
    case 'waiting_contact_coordination':
      return 'contact'
    case 'waiting_executor':
      return 'executor'
    case 'waiting_partner':
      return 'partner'
    case 'requested':
    case 'waiting_review':
    case 'material_received':
      return 'team'
    case 'completed':
    case 'cancelled':
      return 'none'
  }
}

/** Reminders for these states go to the customer group (and respect quiet hours). */
export function isCustomerFacing(state: CaseState): boolean {
  return state === 'waiting_customer_material' || state === 'waiting_contact_coordination' || state === 'waiting_executor'
}
