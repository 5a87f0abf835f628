import type { Wording } from '../../config/load-wording-dir.js'
import type { GrowthConfig } from '../../domain/growth/growth-config.js'
import type { Policy } from '../../domain/policy.js'
import type { Directory } from '../directory.js'
import type { Clock, Logger } from '../ports.js'
import type { SopFlowStore } from './sop-flow-ports.js'

/** What the SOP calendar and the lifecycle flows need. */
export interface SopFlowDeps {
  store: SopFlowStore
  cfg: GrowthConfig
  directory: Directory
  /** time zone of the calendar; quiet hours hold posts and flow messages */
  policy: Policy
  wording: Wording
  /** the answer of an approved knowledge entry valid at `now`, or null */
  knowledgeText: (id: string, now: Date) => string | null
  clock: Clock
  log: Logger
  /** called after a transaction that queued a send commits, so the relay moves it at once */
  sendsQueued?: () => void
}

/** an SOP post queued within this long of its due time is on time */
export const SOP_ON_TIME_MS = 5 * 60_000
