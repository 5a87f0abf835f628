/** Shared vocabulary of the domain (see shared/design/DOMAIN.md). Pure types only. */

export const GROUP_KINDS = ['customer', 'public_customer', 'partner', 'internal'] as const
export type GroupKind = (typeof GROUP_KINDS)[number]

/** Where a message was said: a declared group, or a direct chat with the bot. */
export type Channel = GroupKind | 'direct'

export const ROLES = ['handler', 'supervisor', 'partner', 'customer_contact', 'executor'] as const
export type Role = (typeof ROLES)[number]
/** A talker nobody declared in the tenant configuration. */
export type TalkerRole = Role | 'unknown' | 'bot'

export const SERVICE_TYPES = ['after_sales', 'appointment', 'material', 'progress', 'callback', 'partner_coordination'] as const
export type ServiceType = (typeof SERVICE_TYPES)[number]

export const CASE_STATES = [
  'requested',
  'waiting_customer_material',
  'waiting_contact_coordination',
  'waiting_executor',
  'waiting_review',
  'waiting_partner',
  'material_received',
  'completed',
  'cancelled',
] as const
export type CaseState = (typeof CASE_STATES)[number]

/** What a case waits for from the customer side: decides how an answer is read. */
export const AWAITING = ['material', 'appointment', 'confirmation'] as const
export type Awaiting = (typeof AWAITING)[number]

/**
 * The visit time a case knows of: proposed to the customer (`agreed: false`) or answered by the
 * customer side (`agreed: true`). ISO 8601 with the tenant's offset.
 */
export interface CaseAppointment {
  start: string
  end: string
  agreed: boolean
}

/** Who a case is waiting on. */
export const PARTIES = ['customer', 'contact', 'executor', 'team', 'partner', 'none'] as const
export type Party = (typeof PARTIES)[number]

export const INTENTS = ['partner_request', 'material_provided', 'completion_claim', 'progress_question', 'appointment', 'refund_or_compensation', 'complaint', 'internal_note', 'chit_chat', 'unknown'] as const
export type Intent = (typeof INTENTS)[number]

/**
 * Review boundaries from DOMAIN.md. The first group is found in the message text by the
 * classifier; the second is added by the decision from context (group, case match, guard).
 */
export const RISK_FLAGS = [
  'commitment', // promises: 保证, 一定, 包…
  'compensation', // refund, compensation, price protection, discount
  'complaint', // complaints, negative feedback, disputes
  'privacy', // account, address, benefit, privacy, sensitive material
  'sensitive_claim', // health, financial or legal claims
  'verification_conflict', // a verification result that conflicts with what the customer said
  'missing_context', // a partner request that needs rewriting but names no customer/case
  'public_group', // anything customer-visible in a public customer group
  'uncertain_case', // no single case fits
  'missing_proof', // completion claimed without the proof the case needs
  'leak_guard', // the composed draft failed the leak guard
  // risk signals (config/understanding/signals.yaml) and what understanding adds
  'safety', // fire, smoke, gas, electricity: somebody may get hurt
  'money', // a price, a fee, a payment
  'cancellation', // the customer wants to cancel
  'damage', // damage to the customer's home or goods
  'detail_change', // a new phone number or address
  'human_request', // asks for a person instead of the bot
  'injection', // instructions aimed at the bot
  'legal', // lawyers, police, media
  'impatience', // the customer has waited too long and says so: a person answers, not a template
  'schedule_change', // a partner moves booked jobs (a day off, weather, a holiday stop): their customers must be told
  'access_blocked', // a partner on site cannot get in or reach anyone (no answer at the door, a guard, a blocked space)
  'identity_number', // an ID card number in the text
  'invisible_text', // characters a reader cannot see
  'unclear', // a substantive message Baton cannot read confidently
  'unlisted_item', // a request asks for something the materials catalogue does not list
  'open_matter', // a person must still act on something said in this case
  'person_engaged', // a person is already in the conversation: told about it, answering by hand, or a draft awaits review
  'side_talk', // customer-side members were talking among themselves: the message may answer one of them, not the team
  'context_guess', // the reading is the context's guess (chatter taken for the awaited answer): the case moves only when the reply is approved
  // commerce context (orders.lookup, policy and campaign knowledge)
  'order_lookup_failed', // the order service failed, timed out or gave an answer Baton cannot read
  'order_exception', // the order is cancelled, refunded or stuck: a person explains
  'campaign_ended', // the campaign asked about has ended (or not begun)
  'campaign_unknown', // a campaign question no approved entry answers
] as const
export type RiskFlag = (typeof RISK_FLAGS)[number]

/**
 * What happened to a message. `needs_person` is the fourth outcome: no draft can answer it, so the
 * team is told once and it waits in the attention queue until a person acts.
 */
export const HANDLING_MODES = ['send_direct', 'review_before_send', 'record_only', 'needs_person'] as const
export type HandlingMode = (typeof HANDLING_MODES)[number]

/** Message types we distinguish (a subset of Wechaty's, named for humans). */
export const MESSAGE_TYPES = ['text', 'image', 'file', 'voice', 'video', 'emoticon', 'url', 'mini_program', 'contact_card', 'location', 'recalled', 'system', 'unknown'] as const
export type MessageType = (typeof MESSAGE_TYPES)[number]
