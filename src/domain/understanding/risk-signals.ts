/**
 * Risk signals: the few things in a message a person must see whatever the intent model says
 * (money, safety, a changed address, a request for a human, instructions aimed at the bot...).
 * They are high-precision patterns kept in config (config/understanding/signals.yaml); the
 * model reads the wording, the signals make sure nothing that must never be missed is left to a
 * probability. Pure: patterns are compiled once, text is passed in already normalized.
 */
export const SIGNALS = [
  'safety',
  'money',
  'compensation',
  'cancellation',
  'complaint',
  'damage',
  'detail_change',
  'human_request',
  'injection',
  'privacy',
  'legal',
  'impatience',
  'schedule_change',
  'access_blocked',
] as const
export type Signal = (typeof SIGNALS)[number]

/**
 * Signals only a partner's words raise. A partner moving booked jobs is news for their customers;
 * a customer moving their own visit is an appointment answer, which the decision reads as one. A
 * crew at the door who cannot get in or reach anyone needs the customer side now; a customer who
 * cannot get through is complaining, which the model and the complaint signal read.
 */
export const PARTNER_ONLY_SIGNALS: ReadonlySet<Signal> = new Set(['schedule_change', 'access_blocked'])

export type RawSignals = Partial<Record<Signal, readonly string[]>>

export interface CompiledSignals {
  readonly patterns: ReadonlyArray<{ signal: Signal; re: RegExp }>
}

export function compileSignals(raw: RawSignals): CompiledSignals {
  const patterns = SIGNALS.flatMap((signal) => (raw[signal] ?? []).map((source) => ({ signal, re: new RegExp(source, 'iu') })))
  return { patterns }
}

/** The signals found in normalized text, each with the first piece of text that raised it. */
export function findSignals(normalized: string, compiled: CompiledSignals): Map<Signal, string> {
  const found = new Map<Signal, string>()
  for (const { signal, re } of compiled.patterns) {
    if (found.has(signal)) continue
    const m = re.exec(normalized)
    if (m) found.set(signal, m[0])
  }
  return found
}
