import type { Logger } from './ports.js'

export interface DueSweeperOptions {
  /** The earliest pending timer (null: none). */
  nextDue(): Promise<Date | null>
  /** Fires up to `limit` due timers in one transaction; returns how many due cases it took. */
  sweep(limit: number): Promise<number>
  now(): number
  log: Logger
  /** timers per sweep */
  limit?: number
  /** sweeps at once: each takes cases none of the others holds (SKIP LOCKED) */
  lanes?: number
  /** longest sleep before looking again (timers scheduled by another process wake nobody here) */
  pollMs?: number
  /** pause after a failed look or sweep */
  errorPauseMs?: number
  /** pause when timers are due but every one is held by another transaction (no busy loop) */
  heldPauseMs?: number
}

/**
 * Fires due timers straight from PostgreSQL, where every due time lives, at the moment they fall
 * due. BullMQ still holds a delayed job per timer (for other worker processes, and as the backstop
 * if this loop is stopped or behind), but its jobs reach the worker a few hundred milliseconds
 * after their time and then wait for the batch in flight; a morning rush of 10,000 reminders was
 * more than a second late. Here a sleeping loop wakes at the earliest due time (or when told a
 * timer changed), and `lanes` sweeps run side by side while any remain due, so one sweep's
 * decisions overlap another's round trips to PostgreSQL. A job whose timer a sweep fired finds it
 * stale: nothing fires twice.
 */
export class DueSweeper {
  private stopped = true
  private loop: Promise<void> | null = null
  private wake: (() => void) | null = null
  private kicked = false

  constructor(private readonly opts: DueSweeperOptions) {}

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.loop = this.run()
  }

  /** A timer was scheduled or moved: look again now instead of at the end of the current sleep. */
  kick(): void {
    this.kicked = true
    this.wake?.()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.wake?.()
    await this.loop
    this.loop = null
  }

  private async run(): Promise<void> {
    const pollMs = this.opts.pollMs ?? 1000
    while (!this.stopped) {
      this.kicked = false
      let waitMs: number
      try {
        const next = await this.opts.nextDue()
        waitMs = next ? Math.min(pollMs, next.getTime() - this.opts.now()) : pollMs
        if (waitMs <= 0) {
          const swept = await Promise.all(Array.from({ length: this.opts.lanes ?? 2 }, () => this.lane()))
          if (swept.some((n) => n > 0)) continue
          // due, yet nothing could be taken: other transactions hold those cases for now
          waitMs = this.opts.heldPauseMs ?? 50
        }
      } catch (err) {
        this.opts.log.warn({ err: { message: (err as Error).message } }, 'due timer sweep failed; the timer jobs still fire them')
        waitMs = this.opts.errorPauseMs ?? 5000
      }
      if (!this.kicked) await this.sleep(waitMs)
    }
  }

  /** Sweeps until a sweep comes back short (nothing due that another lane does not hold); returns how many it took. */
  private async lane(): Promise<number> {
    const limit = this.opts.limit ?? 1000
    let total = 0
    while (!this.stopped) {
      const n = await this.opts.sweep(limit)
      total += n
      if (n < limit) break
    }
    return total
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // whichever comes first, the timer or a wake (kick, stop), ends this sleep and clears both
      const done = (): void => {
        clearTimeout(timer)
        this.wake = null
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.wake = done
    })
  }
}
