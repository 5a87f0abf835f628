import type { Logger } from '../../app/ports.js'

/**
 * Runs a PostgreSQL sweep every `everyMs` in this process (never two passes at once). The sweep
 * itself claims rows under locks, so every worker process may run one; nothing lives in Redis,
 * so losing Redis loses no sweep.
 */
export class PeriodicSweep {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<unknown> | null = null

  constructor(
    private readonly name: string,
    private readonly pass: () => Promise<unknown>,
    private readonly log: Logger,
    private readonly everyMs = 60_000,
  ) {}

  start(): void {
    this.tick()
    this.timer = setInterval(() => this.tick(), this.everyMs)
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
  }

  private tick(): void {
    if (this.running) return
    this.running = this.pass()
      .catch((err: Error) => this.log.warn({ sweep: this.name, err: { message: err.message } }, 'sweep failed; will retry'))
      .finally(() => {
        this.running = null
      })
  }
}
