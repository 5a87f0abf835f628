import pLimit from 'p-limit'
import type { HandlingMode } from '../domain/types.js'
import { Batcher } from './batcher.js'
import { InboundIntake, type Spool } from './inbound-intake.js'
import type { InboundMessage, RecordedMessage } from './inbound-message.js'
import type { Telemetry } from './ports.js'
import { processRecorded, processRecordedBatch } from './process-inbound.js'
import { recordMessage, type RecordOutcome } from './record-message.js'
import type { ContactActivity } from './growth/note-contact-activity.js'
import { PIPELINE_LIMITS } from './pipeline-limits.js'

/** What the WeCom session hands each message event to (WecomSession calls `receive`). */
export interface InboundReceiver {
  /** `read` turns the transport's event into an InboundMessage; it runs within the pipeline's bound */
  receive(read: () => Promise<InboundMessage>): Promise<void>
}

/** What the pipeline's stages use: the command and decision services plus the message log. */
export type PipelineDeps = Parameters<typeof processRecordedBatch>[0] & {
  messages: NonNullable<Parameters<typeof processRecordedBatch>[0]['messages']>
  isOutage(err: unknown): boolean
  contacts: ContactActivity
  telemetry: Telemetry & { decided(mode: string): void }
  /** content window for replays with re-issued ids; 0 = off */
  duplicateWindowMs: number
  /** the WeCom account this bot serves (several accounts: a message heard by two is recorded once) */
  account?: string
  /** where messages wait while PostgreSQL is away, and how often it is tried again */
  spool: Spool
  retryMs: number
  /** false until PostgreSQL has answered and the schema is in place: every message is spooled till then */
  databaseReady(): boolean
  /** the error a stage meets before the database is ready (an outage, so the intake spools) */
  notReady(): Error
}

/**
 * One inbound message, stage by stage:
 *
 * 1. **receive**: WecomSession (src/adapters/wecom) reads the event into an InboundMessage within
 *    `PIPELINE_LIMITS.handling` places;
 * 2. **record**: stored once (record-message.ts), or spooled while PostgreSQL is away and
 *    replayed in order when it is back (inbound-intake.ts);
 * 3. **understand** and 4. **decide**: messages recorded together are understood outside any
 *    lock, then decided in one transaction (process-inbound.ts → handle-message.ts → the domain's
 *    decide-message.ts); a slash command goes to the command router instead;
 * 5. **outbox**: the decision's sends are rows written in that same transaction; its commit
 *    kicks the outbox relay, which queues them in BullMQ (adapters/queue/outbox-relay.ts);
 * 6. **send**: the outbound worker delivers each send through the session (deliver-send.ts).
 *
 * Back-pressure has one home, pipeline-limits.ts: the events let through to Wechaty (the WeCom
 * adapter's gate), the places `receive` hands out here, and the batch size of recording and deciding.
 */
export class InboundPipeline implements InboundReceiver {
  private readonly places = pLimit(PIPELINE_LIMITS.handling)
  /** messages that arrive together are decided together: one transaction, set-wise writes */
  private readonly decisions: Batcher<RecordedMessage, HandlingMode | 'command' | null>
  /** stage 2's keeper: records, spools through an outage, decides what an outage left undecided */
  readonly intake: InboundIntake

  constructor(private readonly deps: PipelineDeps) {
    this.decisions = new Batcher((msgs) => processRecordedBatch(deps, msgs), PIPELINE_LIMITS.batch)
    this.intake = new InboundIntake(
      {
        record: (msg) => this.record(msg),
        process: (msg) => this.decide(msg),
        listUnhandled: (limit) => this.whenReady(() => deps.messages.listUnhandled(limit)),
        isOutage: (err) => deps.isOutage(err),
        spool: deps.spool,
        log: deps.log,
      },
      deps.retryMs,
    )
  }

  /** 1. receive: bounded here, so a backlog waits as cheap events rather than half-done handlers */
  receive(read: () => Promise<InboundMessage>): Promise<void> {
    return this.places(async () => this.intake.handle(await read()))
  }

  /** 2. record (the intake spools the message instead when this meets an outage) */
  private record(msg: InboundMessage): Promise<RecordOutcome> {
    const { messages, directory, log, telemetry, duplicateWindowMs, contacts } = this.deps
    return this.whenReady(() => recordMessage({ store: messages, directory, log, telemetry, duplicateWindowMs, contacts, ...(this.deps.account ? { account: this.deps.account } : {}) }, msg))
  }

  /** 3. understand, 4. decide (and 5. outbox, in the decision's transaction) */
  private async decide(msg: RecordedMessage): Promise<void> {
    const mode = await this.decisions.submit(msg)
    if (mode) this.deps.telemetry.decided(mode)
  }

  /** Messages recorded but never decided (a crash in between) are decided now, one by one. */
  async decideUnhandled(limit = 1000): Promise<void> {
    for (const msg of await this.deps.messages.listUnhandled(limit))
      await processRecorded(this.deps, msg).catch((err: Error) => this.deps.log.error({ messageId: msg.wecomId, err: { message: err.message } }, 'replaying an undecided message failed'))
  }

  /** Starts retrying the spool (and replays what an earlier run left in it). */
  start(): void {
    this.intake.start()
  }

  /** Stops the retries, letting a recovery pass in flight finish. */
  stop(): Promise<void> {
    return this.intake.stop()
  }

  /** One recovery pass now: replay the spool, then decide what an outage left undecided. */
  recover(): Promise<void> {
    return this.intake.recover()
  }

  private whenReady<T>(fn: () => Promise<T>): Promise<T> {
    return this.deps.databaseReady() ? fn() : Promise.reject(this.deps.notReady())
  }
}
