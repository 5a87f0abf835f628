import type { Logger } from '../../app/ports.js'
import { SingleFlight } from '../../app/single-flight.js'

/**
 * Runs a PostgreSQL sweep every `everyMs` in this process (never two passes at once). The sweep
 * itself claims rows under locks, so every worker process may run one; nothing lives in Redis,
 * so losing Redis loses no sweep.
 */
export class PeriodicSweep {
  private timer: NodeJS.Timeout | null = null
  private readonly flight: SingleFlight

  constructor(
    private readonly name: string,
    pass: () => Promise<unknown>,
    private readonly log: Logger,
    private readonly everyMs = 60_000,
  ) {
    this.flight = new SingleFlight(pass, (err) => this.log.warn({ sweep: this.name, err: { message: (err as Error).message } }, 'sweep failed; will retry'))
  }

  start(): void {
    this.tick()
    this.timer = setInterval(() => this.tick(), this.everyMs)
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.flight.idle()
  }

  /** a tick while a pass still runs is skipped: the next interval comes soon enough */
  private tick(): void {
    void this.flight.join()
  }
}
