import type { Wording } from '../config/load-wording-dir.js'
import { say } from './case-facts-text.js'
import type { Directory } from './directory.js'
import type { Clock, Logger, Telemetry } from './ports.js'
import type { Store } from './store.js'

/** A message event whose payload never loaded (see src/adapters/wecom/payload-loader.ts). */
export interface UnloadedMessageReport {
  messageId: string
  roomId: string | null
  attempts: number
}

export interface UnloadedReportDeps {
  store: Store
  directory: Directory
  wording: Wording
  clock: Clock
  log: Logger
  telemetry: Pick<Telemetry, 'inboundUnloaded'>
  /** PostgreSQL unreachable: the notice is tried again later instead of being dropped */
  isOutage(err: unknown): boolean
  retryMs: number
}

/** ids remembered so a re-delivered event that fails again is not reported twice */
const REMEMBERED = 10_000

/**
 * Tells the internal group, once per message id, that a message could not be read at all: nobody
 * would otherwise know it was said. Counted in `baton_inbound_unloaded_total`. The notice waits
 * in memory while PostgreSQL is away and is queued (outbox) once it answers.
 */
export class UnloadedMessageReports {
  private readonly told = new Set<string>()
  private readonly waiting = new Map<string, UnloadedMessageReport>()
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly deps: UnloadedReportDeps) {}

  report(msg: UnloadedMessageReport): Promise<void> {
    if (this.told.has(msg.messageId) || this.waiting.has(msg.messageId)) return Promise.resolve()
    this.deps.telemetry.inboundUnloaded()
    this.remember(msg.messageId)
    return this.tell(msg)
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private async tell(msg: UnloadedMessageReport): Promise<void> {
    const { store, directory, wording, clock, log } = this.deps
    const internal = directory.internalGroups()[0]
    if (!internal) return void log.warn({ messageId: msg.messageId }, 'no internal group to report an unloaded message to')
    const group = msg.roomId ? directory.groupForRoom(msg.roomId) : undefined
    // a group Baton does not watch is not the team's business (its messages are ignored anyway)
    if (msg.roomId && !group) return void log.info({ messageId: msg.messageId, roomId: msg.roomId }, 'unloaded message from an unwatched group; not reported')
    const groupName = group ? (group.topic ?? group.key) : say(wording, 'resilience.unknown_group', {})
    const text = say(wording, 'resilience.message_unloaded', { message_id: msg.messageId, group: groupName, attempts: msg.attempts })
    try {
      await store.transaction((tx) => tx.insertSend({ kind: 'notice', caseId: null, groupKey: internal.key, text }, clock.now()))
      this.waiting.delete(msg.messageId)
    } catch (err) {
      if (!this.deps.isOutage(err)) {
        this.waiting.delete(msg.messageId)
        return void log.error({ messageId: msg.messageId, err: { message: (err as Error).message } }, 'could not tell the team about an unloaded message')
      }
      this.waiting.set(msg.messageId, msg)
      this.timer ??= setTimeout(() => {
        this.timer = null
        for (const m of [...this.waiting.values()]) void this.tell(m)
      }, this.deps.retryMs)
      this.timer.unref()
    }
  }

  private remember(id: string): void {
    this.told.add(id)
    if (this.told.size > REMEMBERED) this.told.delete(this.told.values().next().value as string)
  }
}
