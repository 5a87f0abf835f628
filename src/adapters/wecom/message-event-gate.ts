import type { EventEmitter } from 'node:events'
import type { WechatyPlugin } from 'wechaty'
import type { PuppetInterface } from 'wechaty-puppet/impls'
import { PIPELINE_LIMITS } from '../../app/pipeline-limits.js'

type Deliver = (...args: unknown[]) => void
type Listener = (...args: unknown[]) => unknown

/**
 * The gate as a Wechaty plugin (`bot.use(...)`): Wechaty announces its puppet (the `puppet`
 * event) right after subscribing to the puppet's events, before the puppet starts, so the gate
 * takes Wechaty's message listener over before the first message event can arrive.
 */
export function messageEventGatePlugin(gate: MessageEventGate): WechatyPlugin {
  return (bot) => {
    const onPuppet = (puppet: PuppetInterface): void => gate.attach(puppet)
    bot.on('puppet', onPuppet)
    return () => void bot.off('puppet', onPuppet)
  }
}

/**
 * Holds message events back before Wechaty sees them while `max` are already being worked on.
 * Wechaty loads every message's payload the moment its event arrives, so a reconnect backlog or
 * a burst of 20,000 messages became 20,000 half-loaded messages, each with its own chain of
 * promises, all at once (the benchmark saw the heap pass 500 MB, mostly garbage those chains left
 * behind). Held events cost a few dozen bytes each and are released in arrival order as earlier
 * messages finish; other events (login, heartbeat, dong…) are never held.
 *
 * Every message event is reported to `onArrival` when it arrives, held or not: the replay rule
 * and shutdown need the time it reached this process, not the time it was let through. With
 * `load`, an admitted event reaches Wechaty only once its payload is loaded (retried there); one
 * whose payload never loads goes to `onUnloaded` and gives its place up. A message whose handling
 * never reports `done` gives its place up after `staleMs`.
 */
export class MessageEventGate {
  /** the puppets the gate stands in front of (attach is idempotent per puppet) */
  private readonly attached = new WeakSet<object>()
  /** held events, oldest at `head` (an index, so releasing one is O(1) however many wait) */
  private held: unknown[][] = []
  private head = 0
  /** messageId -> when it was let through (insertion order = oldest first) */
  private readonly admitted = new Map<string, number>()
  /** hands one message event to the listeners the gate took over (Wechaty's) */
  private deliver: Deliver | null = null
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly opts: {
      onArrival(messageId: string): void
      /** loads the payload before Wechaty sees the event (Wechaty's own load is one try, silent on failure) */
      load?(messageId: string): Promise<void>
      /** `load` gave up on the message: it never reaches Wechaty */
      onUnloaded?(messageId: string, err: unknown): void
      max?: number
      staleMs?: number
      now?: () => number
    },
  ) {
    // a stall (every admitted message lost) must not hold the rest back forever
    this.timer = setInterval(() => this.pump(), 5000)
    this.timer.unref()
  }

  /**
   * Puts the gate in front of the puppet's message events, through the puppet's own
   * EventEmitter API: the message listeners already subscribed (Wechaty's, see
   * messageEventGatePlugin) are taken off the puppet and hear the gate instead, which alone
   * listens to the puppet. Idempotent per puppet.
   */
  attach(puppet: PuppetInterface): void {
    if (this.attached.has(puppet)) return
    this.attached.add(puppet)
    const events = puppet as unknown as EventEmitter
    const downstream = events.listeners('message') as Listener[]
    for (const listener of downstream) events.off('message', listener)
    const deliver: Deliver = (...args) => {
      for (const listener of downstream) listener.apply(puppet, args)
    }
    this.deliver = deliver
    events.on('message', (...args: unknown[]) => {
      const messageId = (args[0] as { messageId?: unknown } | undefined)?.messageId
      if (typeof messageId !== 'string') return deliver(...args)
      this.opts.onArrival(messageId)
      this.held.push(args)
      this.pump()
    })
  }

  /** The message's handling is over (handled, refused or failed): its place goes to the next. */
  done(messageId: string): void {
    if (this.admitted.delete(messageId)) this.pump()
  }

  get waiting(): number {
    return this.held.length - this.head
  }

  get inFlight(): number {
    return this.admitted.size
  }

  stop(): void {
    clearInterval(this.timer)
  }

  private pump(): void {
    const max = this.opts.max ?? PIPELINE_LIMITS.eventsInFlight
    if (this.admitted.size >= max) this.forgetStale()
    while (this.admitted.size < max && this.head < this.held.length && this.deliver) {
      const args = this.held[this.head++]!
      if (this.head === this.held.length) {
        this.held = []
        this.head = 0
      } else if (this.head >= 4096 && this.head * 2 >= this.held.length) {
        this.held = this.held.slice(this.head)
        this.head = 0
      }
      const messageId = (args[0] as { messageId: string }).messageId
      this.admitted.set(messageId, this.now())
      const deliver = this.deliver
      if (!this.opts.load) {
        deliver(...args)
        continue
      }
      this.opts.load(messageId).then(
        () => deliver(...args),
        (err: unknown) => {
          this.opts.onUnloaded?.(messageId, err)
          this.done(messageId)
        },
      )
    }
  }

  private forgetStale(): void {
    const before = this.now() - (this.opts.staleMs ?? 60_000)
    for (const [id, at] of this.admitted) {
      if (at >= before) break
      this.admitted.delete(id)
    }
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now()
  }
}
