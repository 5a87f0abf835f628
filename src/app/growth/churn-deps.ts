import type { Wording } from '../../config/load-wording-dir.js'
import type { GrowthConfig } from '../../domain/growth/growth-config.js'
import type { Directory } from '../directory.js'
import type { Clock, Logger } from '../ports.js'
import type { ChurnStore } from './churn-ports.js'

/** What the churn use cases need. */
export interface ChurnDeps {
  churn: ChurnStore
  cfg: GrowthConfig
  directory: Directory
  /** the notice and its reasons (config/wording/growth.yaml `churn`) */
  wording: Wording
  clock: Clock
  log: Logger
  /** called after a sweep queued notices, so the relay moves them at once */
  sendsQueued?: () => void
}
