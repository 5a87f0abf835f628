/**
 * Runs one async task at most once at a time. `kick()` runs it now, or — when it is already
 * running — once more right after (any number of kicks during a run coalesce into that one rerun),
 * so work that arrived mid-run is never missed and never doubled. `join()` runs it now or shares
 * the run in flight without asking for another. A failing task goes to `onError`; the promises
 * handed out never reject, so a fire-and-forget caller cannot leave an unhandled rejection.
 */
export class SingleFlight {
  private current: Promise<void> | null = null
  private again = false

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Whether a run is in flight. */
  get busy(): boolean {
    return this.current !== null
  }

  /** Runs now, or once more after the run in flight; resolves when the run covering this call is done. */
  kick(): Promise<void> {
    if (this.current) {
      this.again = true
      return this.current
    }
    return this.start()
  }

  /** Runs now unless a run is in flight; either way resolves when that run is done. */
  join(): Promise<void> {
    return this.current ?? this.start()
  }

  /** Resolves once nothing runs (including a rerun asked for meanwhile). */
  async idle(): Promise<void> {
    await this.current
  }

  private start(): Promise<void> {
    this.current = this.loop()
    return this.current
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false
        try {
          await this.task()
        } catch (err) {
          this.onError(err)
        }
      } while (this.again)
    } finally {
      // checked and cleared in one synchronous step: a kick can never land between the two
      this.current = null
    }
  }
}
