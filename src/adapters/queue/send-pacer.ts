/**
 * Per-group and per-account send limits for the one process that sends for an account (time
 * passed in). A group over its limit holds back only its own sends: each is given a time to come
 * back (its slot in the group's sliding window), in send order, so a later send of the group never
 * overtakes an earlier one that is waiting. The account's limit holds back everything, because
 * the account is what WeCom throttles.
 */
/** the shortest wait a held send is given */
const MIN_HOLD_MS = 100

export type PaceVerdict = { go: true } | { go: false; scope: 'group'; until: number } | { go: false; scope: 'account'; waitMs: number }

export interface PacerOptions {
  perGroupPerMinute: number
  perAccountPerMinute: number
  windowMs?: number
}

export class SendPacer {
  private readonly windowMs: number
  /** start times of recent sends, oldest first */
  private readonly byGroup = new Map<string, number[]>()
  private account: number[] = []
  /** sends of each group waiting for their slot: send id → when it comes back */
  private readonly held = new Map<string, Map<number, number>>()

  constructor(private readonly opts: PacerOptions) {
    this.windowMs = opts.windowMs ?? 60_000
  }

  /** May send `sendId` go now? If yes it is counted as sent. */
  check(group: string | null, sendId: number, now: number): PaceVerdict {
    if (group !== null) {
      const recent = this.recent(this.byGroup, group, now)
      const held = this.heldOf(group, now)
      held.delete(sendId)
      const before = [...held].filter(([id]) => id < sendId)
      if (recent.length >= this.opts.perGroupPerMinute || before.length > 0) {
        // the slot this send will find: the window's oldest sends expire one by one, and every
        // send of the group already waiting takes the slot before it
        const n = this.opts.perGroupPerMinute
        const p = before.length
        const base = recent.length >= n ? recent[p % n]! + this.windowMs * (1 + Math.floor(p / n)) : now
        // never sooner than a moment from now: a send waiting only for an earlier one to come back
        // (the worker was busy) must not spin
        const until = Math.max(base, ...before.map(([, t]) => t + 1), now + MIN_HOLD_MS)
        held.set(sendId, until)
        return { go: false, scope: 'group', until }
      }
    }
    this.account = this.account.filter((t) => now - t < this.windowMs)
    if (this.account.length >= this.opts.perAccountPerMinute) return { go: false, scope: 'account', waitMs: Math.max(1, this.account[0]! + this.windowMs - now) }
    this.account.push(now)
    if (group !== null) this.recent(this.byGroup, group, now).push(now)
    return { go: true }
  }

  /** Sends of each group waiting for their slot (for logs and tests). */
  heldCount(group: string): number {
    return this.held.get(group)?.size ?? 0
  }

  private recent(m: Map<string, number[]>, group: string, now: number): number[] {
    const list = (m.get(group) ?? []).filter((t) => now - t < this.windowMs)
    m.set(group, list)
    return list
  }

  /** Waiting sends of a group; one that never came back (removed, lost with Redis) is forgotten after a window. */
  private heldOf(group: string, now: number): Map<number, number> {
    let held = this.held.get(group)
    if (!held) this.held.set(group, (held = new Map()))
    for (const [id, until] of held) if (until + this.windowMs < now) held.delete(id)
    return held
  }
}
