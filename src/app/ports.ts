import type { RecordedMessage } from './inbound-message.js'

/** Structured logger (pino-compatible subset); the app never formats transport details. */
export interface Logger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  child(bindings: Record<string, unknown>): Logger
}

export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/** Persistence of recorded messages. */
export interface MessageStore {
  /**
   * Inserts once per WeCom id; returns null when the id was already stored, or (with
   * `replayWindowMs`) when an identical message from the same talker in the same conversation
   * was stored with a said-at time within the window (a replay with a re-issued id).
   */
  insert(message: Omit<RecordedMessage, 'id'>, opts?: { replayWindowMs?: number }): Promise<number | null>
  /** Inbound messages recorded but never decided (e.g. a crash in between). */
  listUnhandled(limit: number): Promise<RecordedMessage[]>
  markHandled(id: number, at: Date): Promise<void>
}

/** Counters the app reports; the adapter maps them to Prometheus. */
export interface Telemetry {
  inboundIgnored(reason: 'unknown_group' | 'other_account'): void
  inboundRecorded(channel: string): void
  inboundDuplicate(): void
  /** a message event given up because its payload never loaded from the puppet */
  inboundUnloaded(): void
  /** a reminder or escalation committed, this late after its due time */
  timerFired(step: string, lateMs: number): void
  /** one delivery attempt of the outbound queue ended so */
  sendFinished(outcome: string): void
}

/** Where a message goes: a room (group) or a contact (direct message). */
export type SendTarget = { roomId: string } | { contactId: string }

/** Sends text through the bot's WeCom account; implemented by the WeCom adapter. */
export interface Messenger {
  /** Resolves with the WeCom message id when the puppet reports one. */
  sendText(target: SendTarget, text: string): Promise<{ wecomMessageId: string | null }>
  /** Recalls a sent message; false when the puppet cannot (too late, unsupported). */
  recall(wecomMessageId: string): Promise<boolean>
}
