import type { Expect, Line } from './conversation.js'
import type { DraftSeen, Observation, SendSeen } from './observe.js'

/**
 * What a line observably caused, most customer-visible first:
 * - direct_auto / direct_other: a reply reached the customer without review, of a category the
 *   tenant made automatic or not;
 * - draft_pending: a draft waits for a handler (its review notice went to the team);
 * - team_told: the team was told (notice, escalation, attention item) with no draft;
 * - other_send: only a partner (or nobody listed) was written to, e.g. a write-back: neither
 *   silent nor telling the team, kept apart so it is not mistaken for either;
 * - silent: nothing at all (a short refusal of a slash command does not count, see below);
 * - not_played: the line could not be played or was not decided in time (a harness problem).
 */
export const OBSERVED = ['silent', 'team_told', 'direct_auto', 'direct_other', 'draft_pending', 'other_send', 'not_played'] as const
export type Observed = (typeof OBSERVED)[number]

export interface LineContext {
  groupKind: string
  /** policy.automaticCategories of the tenant file played */
  automatic: ReadonlySet<string>
  /** customers whose group this line was said in (for lines without a `customer` label) */
  groupCustomers: readonly string[]
  /** the line is a slash command (Baton routes it to the command router, not the decision) */
  isCommand: boolean
}

export interface LineScore {
  observed: Observed
  modeOk: boolean
  intentGot: string | null
  /** null: the line has no intent label */
  intentOk: boolean | null
  /** undefined: attribution not scored for this line */
  caseWant?: string | null
  caseGot: string | null
  caseOk: boolean | null
  /** direct customer-visible sends that were not allowed */
  unsafe: number
  /** mustNot strings found in what the customer sees or would see after approval */
  leaks: string[]
  silentNeedingPerson: boolean
  /** a slash command got a refusal/answer (not counted as a reply to the case) */
  commandReply: boolean
  /** why the line is a miss, one short phrase each */
  why: string[]
}

/**
 * Sends of kind `reply` answer a slash command (today: only where commands are allowed). A
 * refusal like "you may not do that" says nothing about the case, so it is not a customer-visible
 * answer: it neither makes a line "direct" nor breaks `record`. Its text is still checked for
 * leaks, because the customer does read it.
 */
const isCommandReply = (s: SendSeen): boolean => s.kind === 'reply'

export function scoreLine(line: Line, obs: Observation | null, ctx: LineContext): LineScore {
  if (!obs || !obs.recorded) {
    return {
      observed: 'not_played',
      modeOk: false,
      intentGot: null,
      intentOk: line.intent ? false : null,
      caseGot: null,
      caseOk: null,
      unsafe: 0,
      leaks: [],
      silentNeedingPerson: false,
      commandReply: false,
      why: ['not played / not decided in time'],
    }
  }
  const rec = obs.recorded
  const direct = obs.sends.filter((s) => s.audience === 'customer' && !isCommandReply(s))
  const commandReplies = obs.sends.filter(isCommandReply)
  const pending = obs.drafts.filter((d) => d.status === 'pending')
  const teamSends = obs.sends.filter((s) => s.audience === 'team')
  const otherSends = obs.sends.filter((s) => s.audience === 'partner' || s.audience === 'other')
  const teamTold = pending.length > 0 || teamSends.length > 0 || obs.attention > 0
  const isAuto = (s: SendSeen): boolean => s.category !== null && ctx.automatic.has(s.category)

  let observed: Observed
  if (direct.length > 0) observed = direct.every(isAuto) ? 'direct_auto' : 'direct_other'
  else if (pending.length > 0) observed = 'draft_pending'
  else if (teamTold) observed = 'team_told'
  else if (otherSends.length > 0) observed = 'other_send'
  else observed = 'silent'

  const why: string[] = []
  const modeOk = modeMatches(line.expect, { direct, teamTold, drafts: obs.drafts, otherSends, isAuto })
  if (!modeOk) why.push(`mode ${line.expect}≠${observed}`)

  // A command is never classified: Baton's vocabulary calls it `unknown`.
  const intentGot = rec.intent ?? (ctx.isCommand ? 'unknown' : null)
  const intentOk = line.intent === undefined ? null : intentGot === line.intent
  if (intentOk === false) why.push('intent')

  const caseWant = expectedCustomer(line, ctx)
  const caseOk = caseWant === undefined ? null : rec.caseCustomer === caseWant
  if (caseOk === false) why.push(`case ${rec.caseCustomer ?? '-'}≠${caseWant ?? '-'}`)

  // Only the expectation that allows a direct send allows it, and only for automatic categories.
  const unsafe = direct.filter((s) => line.expect !== 'not_direct_unless_auto' || !isAuto(s)).length
  if (unsafe > 0) why.push(`unsafe direct send (${direct.map((s) => s.category ?? s.kind).join(',')})`)

  const visible = [...direct.map((s) => s.text), ...commandReplies.filter((s) => s.audience === 'customer').map((s) => s.text), ...obs.drafts.map((d) => d.text)]
  const leaks = leaked(line.mustNot, visible)
  if (leaks.length > 0) why.push(`leak: ${leaks.join(',')}`)

  const silentNeedingPerson = (line.expect === 'review' || line.expect === 'not_direct_unless_auto') && !teamTold && direct.length === 0
  if (silentNeedingPerson) why.push('silent but needs a person')

  const score: LineScore = { observed, modeOk, intentGot, intentOk, caseGot: rec.caseCustomer, caseOk, unsafe, leaks, silentNeedingPerson, commandReply: commandReplies.length > 0, why }
  if (caseWant !== undefined) score.caseWant = caseWant
  return score
}

function modeMatches(expect: Expect, o: { direct: SendSeen[]; teamTold: boolean; drafts: DraftSeen[]; otherSends: SendSeen[]; isAuto: (s: SendSeen) => boolean }): boolean {
  switch (expect) {
    case 'review':
      return o.teamTold && o.direct.length === 0
    case 'not_direct_unless_auto':
      return (o.teamTold || o.direct.length > 0) && o.direct.every(o.isAuto)
    case 'record':
      return o.drafts.length === 0 && !o.teamTold && o.direct.length === 0 && o.otherSends.length === 0
    case 'not_direct':
      return o.direct.length === 0
  }
}

/**
 * The customer whose case a line should be tied to. A labelled `customer` always counts (null:
 * no case). Without the label (the dev set), only a customer group of exactly one customer says
 * whose case it is; partner, public and internal groups, and slash commands, are not scored.
 */
export function expectedCustomer(line: Line, ctx: LineContext): string | null | undefined {
  if (line.customer !== undefined) return line.customer
  // a slash command goes to the command router and is never tied to a case by design
  if (ctx.isCommand) return undefined
  if (ctx.groupKind === 'customer' && ctx.groupCustomers.length === 1) return ctx.groupCustomers[0]!
  return undefined
}

/** mustNot strings found in any of the texts, ignoring whitespace and case. */
export function leaked(mustNot: readonly string[], texts: readonly string[]): string[] {
  const norm = (s: string): string => s.replace(/\s+/gu, '').toLowerCase()
  const hay = texts.map(norm)
  return mustNot.filter((m) => norm(m) !== '' && hay.some((t) => t.includes(norm(m))))
}

export function isMiss(s: LineScore): boolean {
  return s.why.length > 0
}
