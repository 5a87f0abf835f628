import { setTimeout as sleep } from 'node:timers/promises'
import type { PuppetInterface } from 'wechaty-puppet/impls'
import { resetDelayMs } from '../../domain/resilience/connection-health.js'

export interface PayloadRetry {
  /** attempts in all before the message is given up (1 = no retry) */
  attempts: number
  /** wait before the second attempt; doubles each time, up to `maxDelayMs` */
  delayMs: number
  maxDelayMs: number
}

/** A message event whose payload never loaded: all Baton knows of it. */
export interface UnloadedMessage {
  messageId: string
  /** the room, when the payload loaded but could not be used; null when nothing loaded */
  roomId: string | null
  attempts: number
  reason: string
}

export class PayloadNotLoaded extends Error {
  constructor(readonly unloaded: UnloadedMessage) {
    super(`payload of message ${unloaded.messageId} not loaded after ${unloaded.attempts} attempt(s): ${unloaded.reason}`)
    this.name = 'PayloadNotLoaded'
  }
}

/**
 * Loads a message event's payload into the puppet's cache before Wechaty sees the event, retrying
 * with backoff. Wechaty itself tries once and, when the puppet fails (a gateway timing out under a
 * burst, a message the server has not finished storing), only emits an `error`: the message was
 * gone without a trace. A payload without a talker is as useless to Wechaty (it throws on it) and
 * is given up at once, with its room. Resolves once Wechaty will find the payload in the cache;
 * rejects with PayloadNotLoaded when every attempt failed, or with the signal's reason.
 */
export async function loadMessagePayload(
  puppet: Pick<PuppetInterface, 'messagePayload'>,
  messageId: string,
  retry: PayloadRetry,
  hooks: { signal?: AbortSignal; onRetry?(attempt: number, delayMs: number, reason: string): void } = {},
): Promise<void> {
  let reason = ''
  for (let attempt = 1; ; attempt++) {
    hooks.signal?.throwIfAborted()
    try {
      const payload = await puppet.messagePayload(messageId)
      // Wechaty's Message.ready() throws on a payload without a talker (puppets call it fromId
      // too); the puppet has cached it, so asking again would only answer the same
      if (payload.talkerId || payload.fromId) return
      throw new PayloadNotLoaded({ messageId, roomId: payload.roomId || null, attempts: attempt, reason: 'payload has no talker' })
    } catch (err) {
      if (err instanceof PayloadNotLoaded) throw err
      reason = (err as Error)?.message || String(err)
    }
    if (attempt >= retry.attempts) throw new PayloadNotLoaded({ messageId, roomId: null, attempts: attempt, reason })
    const delay = resetDelayMs(attempt - 1, retry.delayMs, retry.maxDelayMs)
    hooks.onRetry?.(attempt, delay, reason)
    await sleep(delay, undefined, hooks.signal ? { signal: hooks.signal } : {})
  }
}
