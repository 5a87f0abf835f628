/**
 * Adaptive per-account send rate (pure; time passed in). A "too frequent" refusal halves the
 * rate and pauses sending for a cool-down; every calm cool-down afterwards raises the rate by a
 * quarter until it is back at the configured maximum.
 */
export interface ThrottleState {
  /** fraction of the configured per-account rate currently allowed (floor .. 1) */
  factor: number
  /** no send before this time (cool-down after a refusal) */
  pausedUntil: number
  /** when the rate last changed (a refusal or a step of recovery) */
  changedAt: number
  /** refusals since the rate was last fully recovered */
  refusals: number
  /** this episode has been reported to the team */
  reported: boolean
  lastSentAt: number
}

export interface ThrottleOptions {
  perMinute: number
  cooldownMs: number
  floor?: number
}

export const initialThrottle = (): ThrottleState => ({ factor: 1, pausedUntil: 0, changedAt: 0, refusals: 0, reported: false, lastSentAt: 0 })

/** Compiles `a|b|c` (case-insensitive substrings) into a matcher for "too frequent" errors. */
export function throttleMatcher(patterns: string): (message: string) => boolean {
  const parts = patterns
    .split('|')
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p.length > 0)
  return (message) => {
    const m = message.toLowerCase()
    return parts.some((p) => m.includes(p))
  }
}

export function onRefused(s: ThrottleState, now: number, o: ThrottleOptions): ThrottleState {
  const floor = o.floor ?? 1 / Math.max(1, o.perMinute)
  const refusals = s.refusals + 1
  // each refusal in a row doubles the cool-down (capped at 16×)
  const pause = o.cooldownMs * 2 ** Math.min(4, refusals - 1)
  return { ...s, factor: Math.max(floor, s.factor / 2), pausedUntil: now + pause, changedAt: now, refusals }
}

/** Called after a successful send: recovers one step per calm cool-down. */
export function onSent(s: ThrottleState, now: number, o: ThrottleOptions): ThrottleState {
  let next = { ...s, lastSentAt: now }
  // calm means a whole cool-down without a refusal after the pause ended
  if (s.factor < 1 && now - Math.max(s.changedAt, s.pausedUntil) >= o.cooldownMs) {
    const factor = Math.min(1, s.factor * 1.25)
    next = { ...next, factor, changedAt: now }
    if (factor >= 1) next = { ...next, refusals: 0, reported: false }
  }
  return next
}

/** How long to wait before the next send may go (0 = now). */
export function waitBeforeSend(s: ThrottleState, now: number, o: ThrottleOptions): number {
  const paused = Math.max(0, s.pausedUntil - now)
  if (s.factor >= 1) return paused
  const spacing = 60_000 / Math.max(1e-9, o.perMinute * s.factor)
  return Math.max(paused, s.lastSentAt + spacing - now)
}

/** Report an episode once, when refusals reach the threshold. */
export function shouldReport(s: ThrottleState, reportAfter: number): boolean {
  return !s.reported && s.refusals >= reportAfter
}

/** Current allowed rate in messages per minute. */
export const currentRate = (s: ThrottleState, o: ThrottleOptions): number => o.perMinute * s.factor
