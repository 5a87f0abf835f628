import type { Wording } from '../../config/load-wording-dir.js'
import type { Directory } from '../directory.js'
import type { RecordedMessage } from '../inbound-message.js'
import type { Clock, Logger, Messenger } from '../ports.js'
import type { AutomationSwitches } from '../automation.js'
import type { StatsQueries } from '../stats.js'
import type { CaseQueries, Store } from '../store.js'
import type { DecisionServices } from '../decide-ports.js'
import type { GrowthDeps } from '../growth/growth-deps.js'
import type { ChurnDeps } from '../growth/churn-deps.js'

/** Everything a command handler may use (a Probot-like context): never the puppet itself. */
export interface CommandServices {
  store: Store
  queries: CaseQueries
  directory: Directory
  services: DecisionServices
  wording: Wording
  clock: Clock
  log: Logger
  /** `/auto`: the recorded switches for automatic categories */
  automation: AutomationSwitches
  /** `/recall`: the bot's account */
  messenger: Messenger
  stats: StatsQueries
  /** `/tag`, `/untag`, `/tags`: contacts and tags (absent: those commands say growth is off) */
  growth?: GrowthDeps
  /** `/churn`: churn intervention tasks (absent: the command says churn warning is off) */
  churn?: ChurnDeps
}

export interface CommandContext extends CommandServices {
  message: RecordedMessage
  talker: { id: string; name: string; handler: boolean; supervisor: boolean }
  /** answers in the conversation the command came from (internal group or DM), through the outbound queue */
  reply(text: string): Promise<void>
  /** a wording template from replies.yaml, filled */
  t(key: string, vars?: Record<string, string | number | undefined>): string
}
