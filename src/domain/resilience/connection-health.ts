/** What a puppet error means for the connection (pure: decided from the error's text and code). */
export type PuppetErrorKind = 'unavailable' | 'cancelled' | 'token' | 'other'

/** The WeCom session as the watchdog sees it. */
export type ConnectionStatus = 'starting' | 'online' | 'silent' | 'reconnecting' | 'logged_out' | 'token_invalid' | 'stopped'

// gRPC status codes as wechaty-puppet-service reports them ("14 UNAVAILABLE: ...").
const UNAVAILABLE = /(^|\b)14 UNAVAILABLE\b|\bUNAVAILABLE\b|Connection dropped|ECONNREFUSED|ECONNRESET|No connection established/i
const CANCELLED = /(^|\b)1 CANCELLED\b|\bCANCELLED\b/i
// 16 UNAUTHENTICATED is how the gateway refuses a token; providers word expiry in many ways.
const TOKEN = /16 UNAUTHENTICATED|\bUNAUTHENTICATED\b|invalid (wechaty )?token|token (is )?(invalid|expired|not found)|expired token|token.*过期|token.*无效|无效.*token/i

/** Classifies a puppet/gRPC error. Token problems win: they need a person, not a reset. */
export function classifyPuppetError(err: { message?: string; code?: unknown; details?: unknown }): PuppetErrorKind {
  const text = `${typeof err.code === 'number' ? `${err.code} ` : ''}${err.message ?? ''} ${typeof err.details === 'string' ? err.details : ''}`
  if (TOKEN.test(text) || err.code === 16) return 'token'
  if (UNAVAILABLE.test(text) || err.code === 14) return 'unavailable'
  if (CANCELLED.test(text) || err.code === 1) return 'cancelled'
  return 'other'
}

/** Exponential backoff for puppet resets: base, 2×base, 4×base … capped at max. */
export function resetDelayMs(consecutiveResets: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(consecutiveResets, 30)))
}

/**
 * Is the session silent? Silence is measured from the last sign of life (any event or heartbeat);
 * a session never heard from counts from when it was started.
 */
export function isSilent(input: { now: Date; lastSignOfLife: Date | null; startedAt: Date; silentAfterMs: number }): boolean {
  const since = input.lastSignOfLife ?? input.startedAt
  return input.now.getTime() - since.getTime() > input.silentAfterMs
}
