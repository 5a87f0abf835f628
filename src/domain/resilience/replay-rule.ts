/**
 * Replays whose message id was re-issued by the puppet. A message with a new id is a replay
 * only when it arrived late (more than `windowMs` after it was said, as replays after a
 * reconnect do) AND an identical message (same talker, conversation, type and text) is already
 * stored with a said-at time within `windowMs` of its own. Live messages are never matched by
 * content, so a customer who sends "好的" twice is recorded twice; the price is that two
 * identical messages within the window that BOTH arrive late are kept once.
 */
export function isLateArrival(saidAt: Date, receivedAt: Date, windowMs: number): boolean {
  return windowMs > 0 && receivedAt.getTime() - saidAt.getTime() > windowMs
}
