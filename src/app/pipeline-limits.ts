/**
 * Back-pressure, in one place. Each bound is where a backlog (a reconnect, a burst) waits
 * cheaply instead of becoming thousands of half-done handlers; the benchmark set the numbers.
 */
export const PIPELINE_LIMITS = {
  /**
   * message events let through to Wechaty at once (it loads each payload the moment the event
   * reaches it); the rest wait as bare `{ messageId }` events in the WeCom adapter's gate
   */
  eventsInFlight: 1000,
  /**
   * messages being read, recorded and decided at once. Large enough that recording and deciding,
   * which batch whatever is waiting, get batches of a few hundred: at 32 the batches were 32 and
   * ingest a third slower; unbounded, the heap doubled under a backlog
   */
  handling: 400,
  /** messages recorded in one INSERT, and decided in one transaction, at most */
  batch: 200,
} as const
