import type { Logger } from '../app/ports.js'

export type Stop = () => Promise<void>

/** What one part of the process must stop: the last added is stopped first. */
export class Stoppers {
  private readonly list: Stop[] = []

  /** `stop` runs before everything added earlier (it was started after them). */
  add(stop: Stop): void {
    this.list.unshift(stop)
  }

  /** Runs every stop in turn; one that fails is logged and the rest still run. */
  async stopAll(log: Logger): Promise<void> {
    for (const stop of this.list) {
      try {
        await stop()
      } catch (err) {
        log.warn({ err: { message: (err as Error).message } }, 'error during shutdown')
      }
    }
  }

  /** After a failed start: everything stopped, errors dropped (the start's own error is what is reported). */
  async stopQuietly(): Promise<void> {
    for (const stop of this.list) await stop().catch(() => undefined)
  }
}
