import type { GrowthConfig } from '../../domain/growth/growth-config.js'
import type { Policy } from '../../domain/policy.js'
import type { Directory } from '../directory.js'
import type { Clock, Logger } from '../ports.js'
import type { GrowthStore, SeenPerson } from './growth-ports.js'

/** What the growth use cases need. */
export interface GrowthDeps {
  growth: GrowthStore
  cfg: GrowthConfig
  directory: Directory
  /** quiet hours: welcomes are held until they end */
  policy: Policy
  clock: Clock
  log: Logger
  /** called after a transaction that queued a send commits, so the relay moves it at once */
  sendsQueued?: () => void
}

/**
 * Whether a person is on the customer side (a contact): staff, partners and the bot are not,
 * whatever group they speak in. People the tenant file does not list are customers.
 */
export function isCustomerSide(directory: Directory, wecomId: string): boolean {
  const p = directory.person(wecomId)
  if (!p) return true
  return !p.roles.some((r) => r === 'handler' || r === 'supervisor' || r === 'partner')
}

export function seenPerson(directory: Directory, wecomId: string, displayName: string): SeenPerson {
  const p = directory.person(wecomId)
  return { wecomId, name: p?.name ?? (displayName || wecomId), personId: p ? p.id : null }
}
