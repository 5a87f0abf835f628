import type { Logger } from '../../app/ports.js'
import { currentRate, initialThrottle, onRefused, onSent, shouldReport, waitBeforeSend, type ThrottleOptions, type ThrottleState } from '../../domain/resilience/send-throttle.js'

/**
 * The account's adaptive send rate, held by the one process that sends for the account. It
 * slows down on "too frequent" refusals, recovers step by step, and reports an episode to the
 * team once (when refusals reach `reportAfter`), not once per message.
 */
export class SendThrottle {
  private s: ThrottleState = initialThrottle()

  constructor(
    private readonly opts: ThrottleOptions & { reportAfter: number },
    private readonly report: (info: { refusals: number; ratePerMinute: number }) => Promise<void>,
    private readonly log: Logger,
  ) {}

  get state(): Readonly<ThrottleState> {
    return this.s
  }

  ratePerMinute(): number {
    return currentRate(this.s, this.opts)
  }

  waitMs(now = Date.now()): number {
    return waitBeforeSend(this.s, now, this.opts)
  }

  sent(now = Date.now()): void {
    const before = this.s.factor
    this.s = onSent(this.s, now, this.opts)
    if (this.s.factor !== before) this.log.info({ ratePerMinute: this.ratePerMinute() }, this.s.factor >= 1 ? 'send rate fully recovered' : 'send rate recovering')
  }

  /** Records a refusal; returns how long to pause. */
  refused(now = Date.now()): number {
    this.s = onRefused(this.s, now, this.opts)
    this.log.warn({ refusals: this.s.refusals, ratePerMinute: this.ratePerMinute(), pauseMs: this.s.pausedUntil - now }, 'WeCom refused a send as too frequent')
    if (shouldReport(this.s, this.opts.reportAfter)) {
      this.s = { ...this.s, reported: true }
      void this.report({ refusals: this.s.refusals, ratePerMinute: this.ratePerMinute() }).catch((err: Error) => this.log.error({ err: { message: err.message } }, 'could not report send throttling'))
    }
    return this.s.pausedUntil - now
  }
}
