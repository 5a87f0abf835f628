import type { InboundMessage, RecordedMessage } from './inbound-message.js'
import type { Logger } from './ports.js'
import type { RecordOutcome } from './record-message.js'
import { SingleFlight } from './single-flight.js'

/** A durable local queue for inbound messages the database cannot take right now. */
export interface Spool {
  depth(): number
  /** Durable on return (fsync'd). */
  append(msg: InboundMessage): void
  /** Feeds spooled messages in order; stops and rethrows at the first failure. */
  replay(fn: (msg: InboundMessage) => Promise<void>): Promise<number>
}

export interface IntakeDeps {
  record(msg: InboundMessage): Promise<RecordOutcome>
  process(msg: RecordedMessage): Promise<void>
  /** inbound messages recorded but never decided */
  listUnhandled(limit: number): Promise<RecordedMessage[]>
  /** true when the error means "the database is unreachable", not "this message is bad" */
  isOutage(err: unknown): boolean
  spool: Spool
  log: Logger
}

export interface IntakeState {
  spooled: number
  outage: boolean
  since: Date | null
}

/** Replay rounds in one recovery pass at most (a pass then yields to the retry timer). */
const MAX_REPLAY_ROUNDS = 50

/**
 * Takes inbound messages so that a PostgreSQL outage loses none and acts on none twice: what
 * cannot be recorded goes to the spool; while the spool holds anything, new messages queue
 * behind it (order kept); a retry loop replays the spool when the database is back, then decides
 * messages that were recorded but not decided when it went away. Never throws for an outage.
 */
export class InboundIntake {
  private outageSince: Date | null = null
  private needsCatchUp = false
  private readonly processing = new Set<number>()
  private timer: NodeJS.Timeout | null = null
  /** pass() catches its own errors; this only guards against the unforeseen */
  private readonly recovery = new SingleFlight(
    () => this.pass(),
    (err) => this.deps.log.error({ err: { message: (err as Error).message } }, 'inbound recovery pass crashed'),
  )

  constructor(
    private readonly deps: IntakeDeps,
    private readonly retryMs: number,
  ) {}

  get state(): IntakeState {
    return { spooled: this.deps.spool.depth(), outage: this.outageSince !== null, since: this.outageSince }
  }

  start(): void {
    this.timer = setInterval(() => void this.recover(), this.retryMs)
    if (this.deps.spool.depth() > 0) void this.recover()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.recovery.idle()
  }

  /** Records then decides one message; spools it when the database is unreachable. */
  async handle(msg: InboundMessage): Promise<void> {
    if (this.deps.spool.depth() > 0) {
      this.deps.spool.append(msg)
      return
    }
    let outcome: RecordOutcome
    try {
      outcome = await this.deps.record(msg)
    } catch (err) {
      if (!this.deps.isOutage(err)) throw err
      this.deps.spool.append(msg)
      this.noteOutage(err)
      return
    }
    if (outcome.kind === 'recorded') await this.decide(outcome.message)
  }

  /** One recovery pass: replay the spool, then catch up undecided messages. Safe to call any time. */
  recover(): Promise<void> {
    return this.recovery.join()
  }

  private async pass(): Promise<void> {
    if (this.deps.spool.depth() === 0 && !this.needsCatchUp) return
    try {
      // Messages keep arriving behind the spool while it is replayed (order is kept): replay again
      // at once while the last round made progress, so steady traffic does not hold the intake in
      // spool mode for a retry interval per round after PostgreSQL is back.
      let replayed = 0
      for (let round = 0, n = 1; n > 0 && this.deps.spool.depth() > 0 && round < MAX_REPLAY_ROUNDS; round++) {
        n = await this.deps.spool.replay((msg) => this.replayOne(msg))
        replayed += n
      }
      if (replayed > 0) this.deps.log.info({ replayed }, 'spooled messages replayed into PostgreSQL')
      if (this.needsCatchUp) {
        this.needsCatchUp = false
        for (const msg of await this.deps.listUnhandled(1000)) {
          if (!this.processing.has(msg.id)) await this.decideOrSkip(msg)
        }
      }
      if (this.outageSince && this.deps.spool.depth() === 0 && !this.needsCatchUp) {
        this.deps.log.info({ downMs: Date.now() - this.outageSince.getTime() }, 'PostgreSQL reachable again; inbound spool empty')
        this.outageSince = null
      }
    } catch (err) {
      this.noteOutage(err)
      if (!this.deps.isOutage(err)) this.deps.log.error({ err: { message: (err as Error).message } }, 'inbound recovery pass failed')
    }
  }

  private async replayOne(msg: InboundMessage): Promise<void> {
    let outcome: RecordOutcome
    try {
      outcome = await this.deps.record(msg)
    } catch (err) {
      if (this.deps.isOutage(err)) throw err
      // bad data will never store: keep going rather than block every later message
      this.deps.log.error({ messageId: msg.wecomId, err: { message: (err as Error).message } }, 'spooled message could not be recorded; skipped')
      return
    }
    if (outcome.kind === 'recorded') await this.decideOrSkip(outcome.message)
  }

  /** a message whose decision fails for a reason other than an outage must not block the rest */
  private async decideOrSkip(msg: RecordedMessage): Promise<void> {
    try {
      await this.decide(msg, true)
    } catch (err) {
      if (this.deps.isOutage(err)) throw err
      this.deps.log.error({ messageId: msg.wecomId, err: { message: (err as Error).message } }, 'deciding a replayed message failed')
    }
  }

  private async decide(msg: RecordedMessage, rethrowOutage = false): Promise<void> {
    this.processing.add(msg.id)
    try {
      await this.deps.process(msg)
    } catch (err) {
      if (!this.deps.isOutage(err)) throw err
      // recorded but not decided: decided by the catch-up once the database is back
      this.needsCatchUp = true
      this.noteOutage(err)
      if (rethrowOutage) throw err
    } finally {
      this.processing.delete(msg.id)
    }
  }

  private noteOutage(err: unknown): void {
    if (!this.deps.isOutage(err)) return
    if (!this.outageSince) {
      this.outageSince = new Date()
      this.deps.log.warn({ err: { message: (err as Error).message } }, 'PostgreSQL unreachable; inbound messages go to the local spool')
    }
  }
}
