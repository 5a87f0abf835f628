import { closest, distance } from 'fastest-levenshtein'
import { COMMAND_BY_WORD, COMMAND_NAMES, COMMAND_SPECS, type Command, type CommandName } from './command-specs.js'
import { matchArgs, normalizeWord, tokenize } from './match-args.js'

// `ParsedCommand` is the name src/app imported before the grammar moved to command-specs.ts.
export { COMMAND_NAMES, COMMAND_SPECS, type Command, type Command as ParsedCommand, type CommandName } from './command-specs.js'

export type ParseErrorCode = 'empty' | 'unknown_command' | 'bad_arguments' | 'too_long'

export interface ParseError {
  kind: 'error'
  code: ParseErrorCode
  /** the command (bad_arguments) or the word typed (unknown_command, at most 32 characters) */
  name?: string
  /** the closest command, only when it is close enough to be a typo */
  suggestion?: CommandName
  /** where the usage line lives in config/wording/commands.yaml (bad_arguments) */
  usageKey?: string
  /** which argument failed: `missing:<arg>`, `invalid:<arg>` or `unexpected:<word>`; for logs, not for users */
  detail?: string
}

export type ParseResult = { kind: 'not_command' } | { kind: 'command'; command: Command; raw: string } | ParseError

export const DEFAULT_MAX_LENGTH = 4000
// How much of an over-long message is read to tell a command from chat: no regex runs on the rest.
const HEAD_LENGTH = 256

// Format characters pasted by accident. Joiners (U+200C/D) stay here because emoji sequences in
// an edited reply need them; argument words drop them in normalizeWord.
const INVISIBLE = /[\u00AD\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g
// WeCom writes "@Baton\u2005" first when the bot is mentioned; people add "@张三 " too. A mention
// ends at a space, the next @ or a slash. Each repetition starts with @, so this cannot backtrack badly.
const LEADING_MENTIONS = /^\s*(?:[@＠][^\s@＠/／]+\s*)*/u
const SLASHES = ['/', '／']

const NOT_COMMAND: ParseResult = { kind: 'not_command' }

/**
 * Reads one chat line. Ordinary chat ("好的/收到", "/usr/bin", "/123", "//", "/微笑") is
 * `not_command` and must be handled as a message; a slash followed by a word is a command
 * attempt: parsed against its declared grammar, or an error the router answers with one line.
 */
export function parseCommand(raw: string, opts: { maxLength?: number; stateNames?: ReadonlyMap<string, string> } = {}): ParseResult {
  if (typeof raw !== 'string') return NOT_COMMAND
  const tooLong = raw.length > (opts.maxLength ?? DEFAULT_MAX_LENGTH)
  const text = (tooLong ? raw.slice(0, HEAD_LENGTH) : raw).replace(INVISIBLE, '')
  const lead = LEADING_MENTIONS.exec(text)?.[0] ?? ''
  const afterLead = text.slice(lead.length)
  if (!SLASHES.includes(afterLead.charAt(0))) return NOT_COMMAND
  const afterSlash = afterLead.slice(1).trimStart()
  const head = /^\S*/.exec(afterSlash)?.[0] ?? ''
  const start = head === '' ? null : readName(head)
  if (head !== '' && start === null) return NOT_COMMAND
  if (tooLong) return { kind: 'error', code: 'too_long' }
  if (start === null) return { kind: 'error', code: 'empty' }

  const name = COMMAND_BY_WORD.get(start.word)
  if (name === undefined) return unknownCommand(start.word)
  const spec = COMMAND_SPECS[name]
  const body = start.glued + afterSlash.slice(head.length)
  const mentionsBefore = lead.match(/[@＠]/g)?.length ?? 0
  const out = matchArgs(spec.args, { body, tokens: tokenize(body), mentionsBefore, ...(opts.stateNames ? { stateNames: opts.stateNames } : {}) })
  if (out.ok) return { kind: 'command', command: { name, ...out.fields } as Command, raw }
  if (out.unknownTopic !== undefined) return unknownCommand(out.unknownTopic)
  return { kind: 'error', code: 'bad_arguments', name, usageKey: spec.usageKey, detail: out.detail }
}

/**
 * The command word after the slash, or null when the line is not a command attempt. ASCII words
 * are attempts (unknown ones get a suggestion); other words only when they are a declared alias.
 * A known name glued to its first argument ("/approve12", "/approve#12") is split there.
 */
function readName(head: string): { word: string; glued: string } | null {
  const w = normalizeWord(head)
  if (/^[a-z]+$/.test(w) || COMMAND_BY_WORD.has(w)) return { word: w, glued: '' }
  for (const known of COMMAND_BY_WORD.keys()) {
    if (w.startsWith(known) && /^[#\d]/.test(w.slice(known.length))) return { word: known, glued: w.slice(known.length) }
  }
  return null
}

function unknownCommand(word: string): ParseError {
  const name = [...word].slice(0, 32).join('')
  const best = closest(name, COMMAND_NAMES)
  const d = distance(name, best)
  // close enough to be a typo: at most two edits, and fewer than half the word
  const suggestion = word.length <= 32 && d <= 2 && d * 2 < name.length ? { suggestion: best as CommandName } : {}
  return { kind: 'error', code: 'unknown_command', name, ...suggestion }
}
