import type { Logger } from './ports.js'

export interface DueSweeperOptions {
  /** The earliest pending timer of a case not in `except` (null: none). */
  nextDue(except: readonly number[]): Promise<Date | null>
  /** Fires up to `limit` due timers, none of `except`, in one transaction; returns how many due cases it took. */
  sweep(limit: number, except: readonly number[]): Promise<number>
  /** Up to `limit` due cases, most overdue first, none of `except` (for firing one by one). */
  dueIds(limit: number, except: readonly number[]): Promise<number[]>
  /** Fires the timer of one case if it is due (1) or not (0), in its own transaction. */
  sweepCase(caseId: number): Promise<number>
  /** true when an error means the database is away (nothing to learn about any one case) */
  isOutage?: (err: unknown) => boolean
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
  /** how long a case whose firing failed on its own is left out of the sweeps (its job keeps trying) */
  setAsideMs?: number
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
 *
 * A sweep is one transaction, so one case whose firing always fails would fail every sweep it is
 * in, and as the most overdue it is in every one. After a failed sweep the due cases are fired one
 * by one; a case that fails alone is set aside for `setAsideMs` (logged; its job still retries it)
 * and the sweeps go on without it. A database outage sets nothing aside: the loop just pauses.
 */
export class DueSweeper {
  private stopped = true
  private loop: Promise<void> | null = null
  private wake: (() => void) | null = null
  private kicked = false
  /** case id → until when it is left out of the sweeps */
  private readonly setAside = new Map<number, number>()

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
        const next = await this.opts.nextDue(this.asideIds())
        waitMs = next ? Math.min(pollMs, next.getTime() - this.opts.now()) : pollMs
        if (waitMs <= 0) {
          const lanes = await Promise.allSettled(Array.from({ length: this.opts.lanes ?? 2 }, () => this.lane()))
          const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected')
          if (failed) {
            if (this.opts.isOutage?.(failed.reason)) throw failed.reason
            this.opts.log.warn({ err: { message: (failed.reason as Error).message } }, 'due timer sweep failed; firing the due cases one by one')
            await this.oneByOne()
            continue
          }
          if (lanes.some((l) => l.status === 'fulfilled' && l.value > 0)) continue
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
      const n = await this.opts.sweep(limit, this.asideIds())
      total += n
      if (n < limit) break
    }
    return total
  }

  /** Fires the cases due now one at a time, setting aside each that fails on its own. */
  private async oneByOne(): Promise<void> {
    const ids = await this.opts.dueIds(this.opts.limit ?? 1000, this.asideIds())
    for (const caseId of ids) {
      if (this.stopped) return
      try {
        await this.opts.sweepCase(caseId)
      } catch (err) {
        if (this.opts.isOutage?.(err)) throw err
        const forMs = this.opts.setAsideMs ?? 600_000
        this.setAside.set(caseId, this.opts.now() + forMs)
        this.opts.log.error({ caseId, forMs, err: { message: (err as Error).message } }, 'timer of this case cannot be fired; left out of the due sweeps for now (its job keeps trying)')
      }
    }
  }

  /** Cases still set aside (those whose time is up are dropped, so they are tried again). */
  private asideIds(): number[] {
    const now = this.opts.now()
    for (const [id, until] of this.setAside) if (until <= now) this.setAside.delete(id)
    return [...this.setAside.keys()]
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
