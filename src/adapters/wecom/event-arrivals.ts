/**
 * When each message event reached this process, by WeCom message id. The replay rule asks whether
 * a message *arrived* late (as replays after a reconnect do); the time Baton's own handler got to
 * it is later whenever a burst waits for its payloads, and a busy minute must not turn a
 * customer's second "好的" into a "replay". Entries whose payload never loaded are dropped after
 * `keepMs` (or when the map is full), so the map cannot grow without bound.
 */
export class EventArrivals {
  private readonly at = new Map<string, number>()

  constructor(
    private readonly keepMs = 10 * 60_000,
    private readonly max = 200_000,
  ) {}

  note(messageId: string, now: number): void {
    // a re-delivered event keeps its first arrival
    if (!this.at.has(messageId)) this.at.set(messageId, now)
    // the oldest entry is checked first, so this is O(1) unless something is due to go
    this.forgetOlderThan(now - this.keepMs, Math.max(0, this.at.size - this.max))
  }

  /** The arrival time of a message event, once: the entry is removed. */
  take(messageId: string): Date | null {
    const t = this.at.get(messageId)
    if (t === undefined) return null
    this.at.delete(messageId)
    return new Date(t)
  }

  get size(): number {
    return this.at.size
  }

  /** Drops entries older than `before`, and at least `atLeast` of the oldest (insertion order is arrival order). */
  forgetOlderThan(before: number, atLeast = 0): void {
    let dropped = 0
    for (const [id, t] of this.at) {
      if (t >= before && dropped >= atLeast) break
      this.at.delete(id)
      dropped++
    }
  }
}
