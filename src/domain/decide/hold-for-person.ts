import type { Decision } from './decide-message.js'

/**
 * How far back a person's part in a conversation holds Baton's own answers there: about the span
 * of one exchange in a service group.
 */
export const ENGAGED_MS = 2 * 60 * 60 * 1000

/**
 * A standard answer Baton could send on its own waits for review while a person is already in the
 * conversation: the team was just told about something said there (a photo that follows an unread
 * complaint is likely its evidence), staff answered there by hand (their own proposal may differ
 * from the template's), or an answer of the same kind for the case still waits for approval (a second
 * one must not overtake the first). Sending on its own then risks contradicting that person; a review costs a glance.
 */
export function holdWhilePersonEngaged<D extends Decision>(decision: D, engaged: boolean): D {
  if (!engaged || decision.mode !== 'send_direct' || !decision.draft) return decision
  return {
    ...decision,
    mode: 'review_before_send',
    draft: { ...decision.draft, riskFlags: [...new Set([...decision.draft.riskFlags, 'person_engaged' as const])] },
    note: `${decision.note}; held for review: a person is in the conversation`,
  }
}
