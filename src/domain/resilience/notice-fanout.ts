/**
 * How much of one sender's (or one group's) chatter reaches the internal group (pure; time passed
 * in). The first few notices about a sender in a window are said as they come; past that, or
 * while a summary about the sender is still waiting to go out, they are folded into that one
 * summary, which goes out a little later with the count brought up to date. A flood of 150
 * messages is a few notices and one "张先生 1 分钟内发了 150 条消息", not 150 notices.
 */
export interface FanoutLimits {
  /** the window the counts are taken over */
  windowMs: number
  /** notices about one sender (in one group) said one by one per window */
  perSender: number
  /** notices about one group (anyone in it) said one by one per window */
  perGroup: number
  /** a new summary waits this long, so it counts the burst instead of its first message */
  foldDelayMs: number
  /** a repeat that makes no notice of its own (a draft already waiting) is counted once the sender has sent this many */
  floodMessages: number
}

export const FANOUT: FanoutLimits = { windowMs: 60_000, perSender: 5, perGroup: 10, foldDelayMs: 15_000, floodMessages: 10 }

export type FanoutChoice = { kind: 'tell' } | { kind: 'fold'; into: 'sender' | 'group' }

/**
 * Tell or fold: the group's summary when the group is over its limit (or has a summary waiting),
 * else the sender's when the sender is.
 */
export function fanoutFor(told: { sender: number; group: number }, waiting: { sender: boolean; group: boolean }, inGroup: boolean, limits: FanoutLimits = FANOUT): FanoutChoice {
  if (inGroup && (waiting.group || told.group >= limits.perGroup)) return { kind: 'fold', into: 'group' }
  if (waiting.sender || told.sender >= limits.perSender) return { kind: 'fold', into: 'sender' }
  return { kind: 'tell' }
}

/** One summary per sender in a group (or direct chat), one per group. */
export function summaryKey(about: { groupKey: string | null; talkerId: string }, into: 'sender' | 'group'): string {
  return into === 'group' && about.groupKey !== null ? `group:${about.groupKey}` : `sender:${about.groupKey ?? '-'}:${about.talkerId}`
}

/** When a new summary goes out: after the fold delay, and not sooner than a window after the last one. */
export function summaryNotBefore(now: Date, last: { createdAt: Date } | null, limits: FanoutLimits = FANOUT): Date {
  const soonest = now.getTime() + limits.foldDelayMs
  return new Date(last ? Math.max(soonest, last.createdAt.getTime() + limits.windowMs) : soonest)
}
