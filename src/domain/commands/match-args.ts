import { TEMPLATE_CATEGORIES } from '../knowledge.js'
import { parseDuration } from '../duration.js'
import { CASE_STATES, SERVICE_TYPES } from '../types.js'
import { COMMAND_BY_WORD, MAX_DURATION_MS, SERVICE_TYPE_ALIASES, TAKE_CASE_WORDS, TAKE_DRAFT_WORDS, type ArgKind, type ArgSpec } from './command-specs.js'

/** A whitespace-separated word of the command line and where it starts in the line. */
export interface Token {
  readonly text: string
  readonly start: number
}

/** The text after the command name, its tokens, and how many @mentions came before it. */
export interface ArgInput {
  readonly body: string
  readonly tokens: readonly Token[]
  readonly mentionsBefore: number
  /** the names people read for case states (等待服务方处理 → waiting_partner), from the wording */
  readonly stateNames?: ReadonlyMap<string, string>
}

export type ArgsOutcome =
  | { ok: true; fields: Record<string, unknown> }
  // detail: `missing:<arg>`, `invalid:<arg>` or `unexpected:<token>`; unknownTopic: `/help <word>` named no command
  | { ok: false; detail: string; unknownTopic?: string }

type Match = { used: number; fields: Record<string, unknown> } | { used: 0; fields: null; unknownTopic?: string }
type Matcher = (spec: ArgSpec, input: ArgInput, at: number) => Match

export function tokenize(body: string): Token[] {
  return [...body.matchAll(/\S+/g)].map((m) => ({ text: m[0], start: m.index }))
}

/** Full-width forms to ASCII (＃１２ → #12), joiners out, lower case: how a word is compared. */
export function normalizeWord(word: string): string {
  return word
    .normalize('NFKC')
    .replace(/[\u200C\u200D]/g, '')
    .toLowerCase()
}

/** Matches the declared arguments left to right; leftover words are an error, not ignored. */
export function matchArgs(specs: readonly ArgSpec[], input: ArgInput): ArgsOutcome {
  const fields: Record<string, unknown> = {}
  let at = 0
  for (const spec of specs) {
    if (at >= input.tokens.length) {
      if (!spec.optional) return { ok: false, detail: `missing:${spec.name}` }
      fields[spec.name] = spec.default ?? null
      continue
    }
    const m = MATCHERS[spec.kind](spec, input, at)
    if (m.fields === null) return { ok: false, detail: `invalid:${spec.name}`, ...('unknownTopic' in m && m.unknownTopic ? { unknownTopic: m.unknownTopic } : {}) }
    Object.assign(fields, m.fields)
    at += m.used
  }
  const extra = input.tokens[at]
  return extra ? { ok: false, detail: `unexpected:${extra.text.slice(0, 20)}` } : { ok: true, fields }
}

const NO: Match = { used: 0, fields: null }
const one = (name: string, value: unknown): Match => ({ used: 1, fields: { [name]: value } })
const word = (input: ArgInput, at: number): string => normalizeWord(input.tokens[at]?.text ?? '')

// An id is at most 9 digits so it stays a safe integer and a plausible database id.
const ID = /^#?([cd])?(\d{1,9})$/

function parseId(w: string, prefix: 'c' | 'd'): number | null {
  const m = ID.exec(w)
  if (!m || (m[1] !== undefined && m[1] !== prefix)) return null
  const n = Number(m[2])
  return n > 0 ? n : null
}

function duration(text: string): number | null {
  const ms = parseDuration(text)
  return ms !== null && ms <= MAX_DURATION_MS ? ms : null
}

/** `[in] <duration…>` to the end of the line, so '1d 12h' and '2 小时' read as one duration. */
function inDuration(input: ArgInput, at: number): { used: number; ms: number | null } {
  const from = word(input, at) === 'in' ? at + 1 : at
  const rest = input.tokens
    .slice(from)
    .map((t) => t.text)
    .join(' ')
  return { used: input.tokens.length - at, ms: rest ? duration(rest) : null }
}

function enumValue(w: string, values: readonly string[]): string | null {
  return values.includes(w) ? w : null
}

function isMention(t: Token | undefined): boolean {
  return t !== undefined && /^@./u.test(normalizeWord(t.text))
}

const MATCHERS: Record<ArgKind, Matcher> = {
  draft_id: (s, i, at) => {
    const n = parseId(word(i, at), 'd')
    return n === null ? NO : one(s.name, n)
  },
  case_id: (s, i, at) => {
    const n = parseId(word(i, at), 'c')
    return n === null ? NO : one(s.name, n)
  },
  take_target: (_s, i, at) => {
    const w = word(i, at)
    const kind = TAKE_CASE_WORDS.includes(w) ? 'case' : TAKE_DRAFT_WORDS.includes(w) ? 'draft' : null
    if (kind) {
      const n = parseId(word(i, at + 1), kind === 'case' ? 'c' : 'd')
      return n === null ? NO : { used: 2, fields: { target: kind, id: n } }
    }
    const asCase = /^#?c/.test(w)
    const n = parseId(w, asCase ? 'c' : 'd')
    return n === null ? NO : { used: 1, fields: { target: asCase ? 'case' : 'draft', id: n } }
  },
  flag: (s, i, at) => (s.values?.[0] !== undefined && word(i, at) === s.values[0] ? one(s.name, true) : NO),
  enum: (s, i, at) => {
    const v = enumValue(word(i, at), s.values ?? [])
    return v === null ? NO : one(s.name, v)
  },
  service_type: (s, i, at) => {
    const w = word(i, at)
    const v = enumValue(w, SERVICE_TYPES) ?? SERVICE_TYPE_ALIASES[w] ?? null
    return v === null ? NO : one(s.name, v)
  },
  // a state by its code or by the name Baton shows for it (/wait 12 等待服务方处理)
  case_state: (s, i, at) => {
    const w = word(i, at)
    const v = enumValue(w, CASE_STATES) ?? i.stateNames?.get(w) ?? null
    return v === null ? NO : one(s.name, v)
  },
  category: (s, i, at) => {
    const v = enumValue(word(i, at), TEMPLATE_CATEGORIES)
    return v === null ? NO : one(s.name, v)
  },
  switch: (s, i, at) => {
    const w = word(i, at)
    return w === 'on' ? one(s.name, true) : w === 'off' ? one(s.name, false) : NO
  },
  duration: (s, i, at) => {
    const ms = duration(word(i, at))
    return ms === null ? NO : one(s.name, ms)
  },
  in_duration: (s, i, at) => {
    const d = inDuration(i, at)
    return d.ms === null ? NO : { used: d.used, fields: { [s.name]: d.ms } }
  },
  when: (s, i, at) => {
    if (word(i, at) === 'now') return one(s.name, 0)
    const d = inDuration(i, at)
    return d.ms === null ? NO : { used: d.used, fields: { [s.name]: d.ms } }
  },
  mention: (s, i, at) => {
    const t = i.tokens[at]
    if (!t || !isMention(t)) return NO
    const before = i.tokens.slice(0, at).filter(isMention).length
    return { used: 1, fields: { [s.name]: t.text, [`${s.name}Index`]: i.mentionsBefore + before } }
  },
  word: (s, i, at) => one(s.name, i.tokens[at]!.text),
  rest: (s, i, at) => ({ used: i.tokens.length - at, fields: { [s.name]: i.body.slice(i.tokens[at]!.start).trim() } }),
  command_name: (s, i, at) => {
    const w = word(i, at).replace(/^\//, '')
    const name = COMMAND_BY_WORD.get(w)
    return name ? one(s.name, name) : { used: 0, fields: null, unknownTopic: w }
  },
}
