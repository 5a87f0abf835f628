import { closest, distance } from 'fastest-levenshtein'
import { parseDuration } from '../duration.js'
import { CASE_STATES, SERVICE_TYPES, type CaseState, type ServiceType } from '../types.js'

/** The declared commands: name, usage key (wording in config/wording/commands.yaml), supervisor only. */
export const COMMAND_SPECS = {
  help: { supervisorOnly: false },
  approve: { supervisorOnly: false },
  edit: { supervisorOnly: false },
  reject: { supervisorOnly: false },
  take: { supervisorOnly: false },
  case: { supervisorOnly: false },
  cases: { supervisorOnly: false },
  open: { supervisorOnly: false },
  wait: { supervisorOnly: false },
  done: { supervisorOnly: false },
  cancel: { supervisorOnly: false },
  executor: { supervisorOnly: false },
  assign: { supervisorOnly: false },
  remind: { supervisorOnly: false },
  snooze: { supervisorOnly: false },
} as const
export type CommandName = keyof typeof COMMAND_SPECS
export const COMMAND_NAMES = Object.keys(COMMAND_SPECS) as CommandName[]

export type ParsedCommand =
  | { name: 'help'; command: string | null }
  | { name: 'approve'; draftId: number; force: boolean }
  | { name: 'edit'; draftId: number; text: string }
  | { name: 'reject'; draftId: number; reason: string | null }
  | { name: 'take'; target: 'draft' | 'case'; id: number }
  | { name: 'case'; caseId: number }
  | { name: 'cases'; filter: 'open' | 'waiting' | 'overdue' | 'mine' }
  | { name: 'open'; customer: string; serviceType: ServiceType; note: string | null }
  | { name: 'wait'; caseId: number; state: CaseState; dueInMs: number | null }
  | { name: 'done'; caseId: number; note: string | null }
  | { name: 'cancel'; caseId: number; reason: string }
  | { name: 'executor'; caseId: number; mention: string }
  | { name: 'assign'; caseId: number; mention: string }
  | { name: 'remind'; caseId: number; inMs: number }
  | { name: 'snooze'; caseId: number; forMs: number; reason: string | null }

export type ParseResult =
  | { kind: 'not_command' }
  | { kind: 'command'; command: ParsedCommand }
  | { kind: 'error'; code: 'empty' | 'unknown_command' | 'bad_arguments' | 'too_long'; name?: string; suggestion?: string }

// WeCom prefixes "@Bot\u2005" when someone mentions the bot; people also paste "@张三 ".
const LEADING_MENTIONS = /^(?:[@＠][^\s\u2005]+[\s\u2005]*)+/u
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g

/** Chinese names for service types, as handlers type them after /open. */
const SERVICE_ALIASES: Record<string, ServiceType> = { 售后: 'after_sales', 预约: 'appointment', 资料: 'material', 进度: 'progress', 回访: 'callback', 协调: 'partner_coordination' }

/**
 * Parses a chat line. Ordinary chat (no leading slash, "好的/收到", a path like "/usr/bin") is
 * `not_command`; a slash command is parsed against its grammar; anything else is an error with
 * the command's name so the router can answer with its usage line.
 */
export function parseCommand(raw: string, opts: { maxLength?: number } = {}): ParseResult {
  const max = opts.maxLength ?? 4000
  const stripped = raw.replace(INVISIBLE, '').replace(LEADING_MENTIONS, '').trimStart()
  if (!(stripped.startsWith('/') || stripped.startsWith('／'))) return { kind: 'not_command' }
  if (raw.length > max) return { kind: 'error', code: 'too_long' }
  const body = stripped.slice(1).replace(/[\u2005\u3000\t]/g, ' ')
  if (body.trim().length === 0) return { kind: 'error', code: 'empty' }
  const nameMatch = /^([A-Za-z]+)(?=\s|$)/.exec(body)
  if (!nameMatch) return { kind: 'not_command' }
  const name = nameMatch[1]!.toLowerCase()
  const rest = body.slice(nameMatch[0].length).trim()
  if (!(name in COMMAND_SPECS)) {
    const suggestion = closest(name, COMMAND_NAMES)
    return { kind: 'error', code: 'unknown_command', name, ...(distance(name, suggestion) <= 2 ? { suggestion } : {}) }
  }
  const command = parseArgs(name as CommandName, rest)
  return command ? { kind: 'command', command } : { kind: 'error', code: 'bad_arguments', name }
}

const ID = /^[#＃]?([cCdD])?(\d{1,9})$/

function id(token: string | undefined): number | null {
  if (token === undefined) return null
  const m = ID.exec(token)
  const n = m ? Number(m[2]) : NaN
  return Number.isSafeInteger(n) && n > 0 ? n : null
}

function words(rest: string): string[] {
  return rest.split(/\s+/).filter((w) => w.length > 0)
}

function tail(rest: string, skip: number): string | null {
  const t = rest.replace(new RegExp(`^(?:\\S+\\s+){${skip}}`), '')
  const words0 = words(rest)
  if (words0.length <= skip) return null
  return t.trim() || null
}

function parseArgs(name: CommandName, rest: string): ParsedCommand | null {
  const w = words(rest)
  switch (name) {
    case 'help':
      return w.length <= 1 ? { name, command: w[0]?.replace(/^[/／]/, '').toLowerCase() ?? null } : null
    case 'approve': {
      const draftId = id(w[0])
      if (draftId === null || w.length > 2 || (w[1] !== undefined && w[1].toLowerCase() !== 'force')) return null
      return { name, draftId, force: w[1] !== undefined }
    }
    case 'edit': {
      const draftId = id(w[0])
      const text = tail(rest, 1)
      return draftId !== null && text ? { name, draftId, text } : null
    }
    case 'reject': {
      const draftId = id(w[0])
      return draftId !== null ? { name, draftId, reason: tail(rest, 1) } : null
    }
    case 'take': {
      // `/take 12` is draft 12; `/take case 12` or `/take c12` is case 12
      if (w[0]?.toLowerCase() === 'case' || w[0] === '案件') {
        const n = id(w[1])
        return n !== null && w.length === 2 ? { name, target: 'case', id: n } : null
      }
      const n = id(w[0])
      if (n === null || w.length !== 1) return null
      return { name, target: /^[#＃]?[cC]/.test(w[0]!) ? 'case' : 'draft', id: n }
    }
    case 'case': {
      const caseId = id(w[0])
      return caseId !== null && w.length === 1 ? { name, caseId } : null
    }
    case 'cases': {
      const f = (w[0] ?? 'open').toLowerCase()
      return w.length <= 1 && (f === 'open' || f === 'waiting' || f === 'overdue' || f === 'mine') ? { name, filter: f } : null
    }
    case 'open': {
      const serviceType = w[1] === undefined ? null : ((SERVICE_TYPES as readonly string[]).includes(w[1]) ? (w[1] as ServiceType) : (SERVICE_ALIASES[w[1]] ?? null))
      return w[0] && serviceType ? { name, customer: w[0], serviceType, note: tail(rest, 2) } : null
    }
    case 'wait': {
      const caseId = id(w[0])
      const state = w[1] as CaseState | undefined
      if (caseId === null || !state || !(CASE_STATES as readonly string[]).includes(state)) return null
      if (w.length === 2) return { name, caseId, state, dueInMs: null }
      const dueInMs = w[2]?.toLowerCase() === 'in' && w.length === 4 ? parseDuration(w[3]!) : null
      return dueInMs !== null ? { name, caseId, state, dueInMs } : null
    }
    case 'done': {
      const caseId = id(w[0])
      return caseId !== null ? { name, caseId, note: tail(rest, 1) } : null
    }
    case 'cancel': {
      const caseId = id(w[0])
      const reason = tail(rest, 1)
      return caseId !== null && reason ? { name, caseId, reason } : null
    }
    case 'remind': {
      // `/remind 12`, `/remind 12 now`, `/remind 12 in 2h`
      const caseId = id(w[0])
      if (caseId === null) return null
      if (w.length === 1 || (w.length === 2 && w[1]!.toLowerCase() === 'now')) return { name, caseId, inMs: 0 }
      const inMs = w.length === 3 && w[1]!.toLowerCase() === 'in' ? parseDuration(w[2]!) : null
      return inMs !== null ? { name, caseId, inMs } : null
    }
    case 'snooze': {
      const caseId = id(w[0])
      const forMs = w[1] === undefined ? null : parseDuration(w[1])
      return caseId !== null && forMs !== null ? { name, caseId, forMs, reason: tail(rest, 2) } : null
    }
    case 'executor':
    case 'assign': {
      const caseId = id(w[0])
      const mention = w[1]
      return caseId !== null && mention && w.length === 2 ? { name, caseId, mention } : null
    }
  }
}
