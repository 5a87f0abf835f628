import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from '../app/ports.js'
import { resetDelayMs } from '../domain/resilience/connection-health.js'

/**
 * What a process needs PostgreSQL for, started once it answers: first the core (schema,
 * directory, switches: then messages can be recorded and decided), then each role's steps in the
 * order they were added. With PostgreSQL there at start-up everything runs at once and a failure
 * ends start-up; when it answers later, a step that meets an outage is retried from where it
 * stopped (each step runs once) and any other failure is logged, leaving Baton degraded.
 */
export class PostgresStart {
  private readonly steps: Array<() => Promise<void>> = []
  private stepsDone = 0
  private coreDone = false
  private readonly halted = new AbortController()
  private later: Promise<void> = Promise.resolve()

  constructor(
    private readonly core: () => Promise<void>,
    private readonly opts: { log: Logger; isOutage: (err: unknown) => boolean; retryMs: number; retryMaxMs: number; afterAll(): void },
  ) {}

  /** true once the core is in place: inbound messages can be recorded instead of spooled */
  get started(): boolean {
    return this.coreDone
  }

  /** Adds a step run after the core (and after the steps added before it). */
  add(step: () => Promise<void>): void {
    this.steps.push(step)
  }

  /** Runs the core now (PostgreSQL answered at start-up). */
  async startCore(): Promise<void> {
    if (this.coreDone) return
    await this.core()
    this.coreDone = true
  }

  /** Runs what has not run yet: the core, then every step. */
  async runAll(): Promise<void> {
    await this.startCore()
    for (; this.stepsDone < this.steps.length && !this.halted.signal.aborted; this.stepsDone++) await this.steps[this.stepsDone]!()
    this.opts.afterAll()
  }

  /** Runs everything once `answered` resolves, in the background, retrying through outages. */
  whenAnswered(answered: Promise<unknown>): void {
    const { log, isOutage, retryMs, retryMaxMs } = this.opts
    this.later = answered.then(
      async () => {
        for (let attempt = 0; !this.halted.signal.aborted; attempt++) {
          try {
            await this.runAll()
            return void log.info({}, 'PostgreSQL answered: recording from the spool, sending and firing timers')
          } catch (err) {
            if (!isOutage(err)) return void log.error({ err: { message: (err as Error).message } }, 'starting with PostgreSQL failed; Baton stays degraded until restarted')
            await sleep(resetDelayMs(attempt, retryMs, retryMaxMs), undefined, { signal: this.halted.signal }).catch(() => undefined)
          }
        }
      },
      () => undefined,
    )
  }

  /** Stops a start still waiting (the caller ends the wait itself) and lets a step in flight finish. */
  async halt(): Promise<void> {
    this.halted.abort()
    await this.later
  }
}
