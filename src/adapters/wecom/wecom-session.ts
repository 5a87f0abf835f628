import { types as WechatyTypes, type Contact, type Friendship, type Message, type Room, type Wechaty } from 'wechaty'
import type { FriendRequest, FriendRequestPort } from '../../app/growth/accept-friend-request.js'
import type { MembershipChange } from '../../app/growth/welcome-newcomers.js'
import type { InboundReceiver } from '../../app/inbound-pipeline.js'
import type { Logger, Messenger, SendTarget } from '../../app/ports.js'
import { toInbound } from './to-inbound.js'
import { MessageEventGate, messageEventGatePlugin } from './message-event-gate.js'
import { EventArrivals } from './event-arrivals.js'
import { redactSecrets } from '../../domain/resilience/redact.js'
import { loadMessagePayload, PayloadNotLoaded, type PayloadRetry, type UnloadedMessage } from './payload-loader.js'

/** Told once per message event whose payload could not be loaded after every retry. */
export type UnloadedHandler = (msg: UnloadedMessage) => void
/** Told when members join or leave a room (Wechaty's room-join / room-leave). */
export type MembershipHandler = (kind: 'join' | 'leave', change: MembershipChange) => Promise<void>
/** Told when someone asks to become the bot account's friend (Wechaty's `friendship`, type Receive). */
export type FriendRequestHandler = (req: FriendRequest) => Promise<void>

/** Payload loads: 6 attempts, 1 s doubling to 16 s between them (about half a minute in all). */
export const DEFAULT_PAYLOAD_RETRY: PayloadRetry = { attempts: 6, delayMs: 1000, maxDelayMs: 16_000 }

export interface SessionState {
  started: boolean
  loggedIn: boolean
  userId: string | null
  lastEventAt: Date | null
  lastError: string | null
}

/**
 * The bot's WeCom session: turns Wechaty events into InboundMessages for the app and sends
 * text. One failed event is logged and never stops the session; in-flight handlers are
 * tracked so shutdown can wait for them.
 */
export class WecomSession implements Messenger, FriendRequestPort {
  /** where each message event goes: the inbound pipeline (src/app/inbound-pipeline.ts) */
  private pipeline: InboundReceiver | null = null
  private unloadedHandler: UnloadedHandler | null = null
  private membershipHandler: MembershipHandler | null = null
  private friendRequestHandler: FriendRequestHandler | null = null
  /** aborts payload retries still running when the session stops */
  private readonly stopping = new AbortController()
  private readonly inFlight = new Set<Promise<void>>()
  /** Message events the puppet emitted that have not reached our handler yet. */
  private pendingEvents = 0
  private received = 0
  private readonly arrivals = new EventArrivals()
  /**
   * Counts each message event when it reaches the puppet (shutdown waits for these too), notes
   * its arrival time (what the replay rule judges) and holds the event back while enough
   * messages are already being worked on.
   */
  private readonly gate = new MessageEventGate({
    onArrival: (messageId) => {
      this.pendingEvents++
      this.arrivals.note(messageId, Date.now())
    },
    load: (messageId) =>
      loadMessagePayload(this.bot.puppet, messageId, this.payloadRetry, {
        signal: this.stopping.signal,
        onRetry: (attempt, delayMs, reason) => this.log.warn({ messageId, attempt, retryInMs: delayMs, err: { message: reason } }, `message payload not loaded (attempt ${attempt}); retrying in ${delayMs} ms`),
      }),
    onUnloaded: (messageId, err) => this.unloaded(messageId, err),
  })
  readonly state: SessionState = { started: false, loggedIn: false, userId: null, lastEventAt: null, lastError: null }
  needTopics = false
  constructor(
    readonly bot: Wechaty,
    private readonly log: Logger,
    private readonly secrets: readonly (string | undefined)[] = [],
    private readonly payloadRetry: PayloadRetry = DEFAULT_PAYLOAD_RETRY,
  ) {
    // installed before the puppet starts, so a backlog delivered at start-up is covered too
    bot.use(messageEventGatePlugin(this.gate))
    bot.on('message', (msg) => this.track(this.dispatch(msg)))
    bot.on('room-join', (room, invitees, _inviter, date) => this.track(this.membership('join', room, invitees, date)))
    bot.on('room-leave', (room, leavers, _remover, date) => this.track(this.membership('leave', room, leavers, date)))
    bot.on('friendship', (f) => this.track(this.friendship(f)))
    bot.on('login', (user) => {
      this.state.loggedIn = true
      this.state.userId = user.id
      this.touch()
      log.info({ userId: user.id }, 'WeCom session logged in')
    })
    bot.on('logout', (user, reason) => {
      this.state.loggedIn = false
      log.warn({ userId: user.id, reason }, 'WeCom session logged out')
    })
    bot.on('heartbeat', () => this.touch())
    bot.on('ready', () => this.touch())
    bot.on('error', (err) => {
      // Wechaty reports puppet disconnects here; the ConnectionWatchdog decides what to do.
      // gateways echo a refused token in the error: never log it
      const message = redactSecrets(err.message, this.secrets)
      this.state.lastError = message
      log.error({ err: { message, name: err.name } }, 'WeCom session error')
    })
  }

  /** Hands every message event to `pipeline` from now on. */
  deliverTo(pipeline: InboundReceiver): void {
    this.pipeline = pipeline
  }

  onUnloaded(handler: UnloadedHandler): void {
    this.unloadedHandler = handler
  }

  onMembership(handler: MembershipHandler): void {
    this.membershipHandler = handler
  }

  onFriendRequest(handler: FriendRequestHandler): void {
    this.friendRequestHandler = handler
  }

  async acceptFriendRequest(requestId: string): Promise<void> {
    await this.bot.puppet.friendshipAccept(requestId)
  }

  /** A received friend request handed on; confirmations and verifications are not requests. */
  private async friendship(f: Friendship): Promise<void> {
    const handler = this.friendRequestHandler
    if (!handler || f.type() !== WechatyTypes.Friendship.Receive) return
    this.touch()
    try {
      const contact = f.contact()
      await handler({ requestId: f.id, wecomId: contact.id, name: contact.name(), hello: f.hello(), at: new Date() })
    } catch (err) {
      this.log.error({ friendshipId: f.id, err: { message: (err as Error).message } }, 'friend request not handled')
    }
  }

  /** A room-join / room-leave as a transport-neutral change; a failure is logged, never thrown at Wechaty. */
  private async membership(kind: 'join' | 'leave', room: Room, contacts: Contact[], date: Date | undefined): Promise<void> {
    const handler = this.membershipHandler
    if (!handler) return
    this.touch()
    try {
      const topic = await room.topic().catch(() => undefined)
      const members = contacts.filter((c) => c.id !== this.state.userId).map((c) => ({ id: c.id, name: c.name() }))
      if (members.length === 0) return
      await handler(kind, { roomId: room.id, ...(topic !== undefined ? { roomTopic: topic } : {}), members, at: date ?? new Date() })
    } catch (err) {
      this.log.error({ roomId: room.id, kind, err: { message: (err as Error).message } }, 'room membership event not handled')
    }
  }

  async start(): Promise<void> {
    await this.bot.start()
    this.state.started = true
  }

  /**
   * Waits until every message event the puppet already emitted has been handled, then stops
   * Wechaty: a SIGTERM during traffic loses nothing that reached the process.
   */
  async stop(): Promise<void> {
    if (this.state.started) {
      this.state.started = false
      await this.settle(5000)
      await this.bot.stop().catch((err: Error) => this.log.warn({ err: { message: err.message } }, 'error while stopping Wechaty'))
    }
    this.stopping.abort(new Error('session stopping'))
    await this.drain()
    this.gate.stop()
  }

  /** Waits for every arrived message event to be dispatched, giving up only after `timeoutMs` without progress. */
  private async settle(timeoutMs: number): Promise<void> {
    let deadline = Date.now() + timeoutMs
    let last = this.pendingEvents
    while (this.pendingEvents > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20))
      // a backlog held by the gate drains at the pace of handling: keep waiting while it moves
      if (this.pendingEvents < last) deadline = Date.now() + timeoutMs
      last = this.pendingEvents
    }
    if (this.pendingEvents > 0) this.log.warn({ pending: this.pendingEvents }, 'stopping with message events not delivered by Wechaty')
    await this.drain()
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
  }

  get ready(): boolean {
    return this.state.started && this.state.loggedIn
  }

  /** Sends text to a room (id contains "@") or a contact; returns the WeCom message id if known. */
  async sayText(conversationId: string, text: string): Promise<string | null> {
    const puppet = this.bot.puppet
    const id = await puppet.messageSendText(conversationId, text)
    return typeof id === 'string' && id.length > 0 ? id : null
  }

  async sendText(target: SendTarget, text: string): Promise<{ wecomMessageId: string | null }> {
    const id = 'roomId' in target ? target.roomId : target.contactId
    return { wecomMessageId: await this.sayText(id, text) }
  }

  async recall(wecomMessageId: string): Promise<boolean> {
    return this.bot.puppet.messageRecall(wecomMessageId)
  }

  private touch(): void {
    this.state.lastEventAt = new Date()
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p)
    void p.finally(() => this.inFlight.delete(p))
  }

  /** A message event that never reaches Wechaty: no longer pending, logged, and handed on unless the session is stopping. */
  private unloaded(messageId: string, err: unknown): void {
    if (this.pendingEvents > 0) this.pendingEvents--
    this.arrivals.take(messageId)
    if (!(err instanceof PayloadNotLoaded)) {
      this.log.warn({ messageId, err: serializeError(err) }, 'message event dropped while stopping: its payload was still loading')
      return
    }
    const { unloaded } = err
    this.log.error(
      { messageId, roomId: unloaded.roomId, attempts: unloaded.attempts, err: { message: unloaded.reason } },
      `message payload could not be loaded after ${unloaded.attempts} attempt(s); the message is lost`,
    )
    try {
      this.unloadedHandler?.(unloaded)
    } catch (e) {
      this.log.error({ messageId, err: serializeError(e) }, 'reporting an unloaded message failed')
    }
  }

  private async dispatch(msg: Message): Promise<void> {
    this.touch()
    const receivedAt = this.arrivals.take(msg.id) ?? new Date()
    const receivedSeq = ++this.received
    if (this.pendingEvents > 0) this.pendingEvents--
    try {
      const pipeline = this.pipeline
      if (!pipeline) return
      // reading mentions, topic and attachment may call the puppet: done within the pipeline's bound
      await pipeline.receive(async () => ({ ...(await toInbound(msg, { needTopic: this.needTopics })), receivedAt, receivedSeq }))
    } catch (err) {
      this.log.error({ messageId: msg.id, err: serializeError(err) }, 'failed to handle message event')
    } finally {
      this.gate.done(msg.id)
    }
  }
}

export function serializeError(err: unknown): { message: string; code?: string; stack?: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return { message: err.message, ...(typeof code === 'string' ? { code } : {}), ...(err.stack ? { stack: err.stack } : {}) }
  }
  return { message: String(err) }
}
