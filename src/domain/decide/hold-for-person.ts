import type { Decision } from './decide-message.js'

/**
 * How far back a person's part in a conversation holds Baton's own answers there: about the span
 * of one exchange in a service group.
 */
export const ENGAGED_MS = 2 * 60 * 60 * 1000

/**
 * The pending drafts of a case that hold a direct answer of this category for review: one of the
 * same kind (a second answer must not overtake the first), and, for a time confirmed, a request
 * about the time still waiting for approval: the customer was never asked, so the time they said
 * is their own proposal or was agreed by phone ("那就周三十点，我在家" while the crew's 周三十点 is
 * still a draft), and a confirmation sent on Baton's own would answer a question nobody put to
 * them. (A photo is what was asked for whoever asked: its receipt is not held.)
 */
export function draftsThatHold(category: string): string[] {
  return category === 'appointment_confirmed' ? [category, ...TIME_REQUESTS] : [category]
}
const TIME_REQUESTS = ['appointment_request', 'coordination_request', 'schedule_update'] as const

/**
 * Who else is in the conversation: `person` when the team was just told about something said there,
 * staff answered there by hand, or an answer of the same kind for the case waits for approval;
 * `side_talk` when the message before it was another customer-side member's question (the
 * contact asking the nanny "3号你几点到店", the employee answering "下午两点就来开门了杨哥").
 */
export type Engagement = 'person' | 'side_talk' | null

/**
 * A standard answer Baton could send on its own waits for review while someone else is in the
 * conversation. A person: a photo that follows an unread complaint is likely its evidence, staff's
 * own proposal may differ from the template's, a second answer must not overtake the first. Members
 * talking among themselves: the words likely answer one of them, not the team, and an automatic
 * confirmation would put words in their mouths. Sending on its own then risks contradicting someone;
 * a review costs a glance.
 */
export function holdWhilePersonEngaged<D extends Decision>(decision: D, engaged: Engagement): D {
  if (engaged === null || decision.mode !== 'send_direct' || !decision.draft) return decision
  const flag = engaged === 'person' ? ('person_engaged' as const) : ('side_talk' as const)
  return {
    ...decision,
    mode: 'review_before_send',
    draft: { ...decision.draft, riskFlags: [...new Set([...decision.draft.riskFlags, flag])] },
    note: `${decision.note}; held for review: ${engaged === 'person' ? 'a person is in the conversation' : 'customer-side members were talking among themselves'}`,
  }
}
