import type { Channel, Intent, MessageType, RiskFlag, TalkerRole } from '../types.js'
import { extractAppointmentWindow, type AppointmentWindow } from './appointment-window.js'
import { findIdNumbers } from './contact-details.js'
import { classifyIntent, intentOfLabel, type IntentModel, type Speaker } from './intent-model.js'
import { LEXICON_RISKS, matchLexicon, prepareText, type CompiledLexicon } from './lexicon.js'
import { hasInvisible } from './normalize-text.js'
import { DEFAULT_ORDER_PATTERNS, findOrderRefs, type KnownOrder } from './order-refs.js'
import { extractReferences, surnameOf, type CustomerRef, type References } from './references.js'
import { extractRequestedItems, type Catalogue, type RequestedItems } from './requested-items.js'
import { findSignals, PARTNER_ONLY_SIGNALS, type CompiledSignals, type Signal } from './risk-signals.js'

export interface UnderstandInput {
  text: string
  type: MessageType
  channel: Channel
  talkerRole: TalkerRole
  mentionIds: string[]
  /** customers of the group it was said in: a last-four order reference is resolved among theirs first */
  groupCustomerKeys?: readonly string[]
  /** when it was said: appointment words ("明天上午") are read against it, in the tenant's time zone */
  now?: Date
  /**
   * Names of the other people on the customer side of the group (the contacts and executors of its
   * customers, the speaker left out): a message that opens by calling one of them is said to them.
   */
  householdNames?: readonly string[]
  /** Names staff and partners are called by (see Directory.teamNames): a message opening with one is said to them. */
  teamNames?: readonly string[]
}

/** The customers a message may name. */
export interface Directory {
  customers: readonly CustomerRef[]
}

/** Everything understanding reads with, compiled once per knowledge load. */
export interface UnderstandingKit {
  lexicon: CompiledLexicon
  signals: CompiledSignals
  model: IntentModel
  catalogue: Catalogue
  timeZone: string
}

export interface Understanding {
  intent: Intent
  /** the intent model's finer reading (data/understanding/README.md): promise_later, needs_person... */
  label: string
  /** how sure the reading is, 0..1 (the model's probability of its label; rules say 0.9+) */
  confidence: number
  /** every reading the speaker can have, with its probability (one at 1 - ε for rule readings) */
  scores: ReadonlyArray<{ label: string; p: number }>
  /** how much of the wording the model has seen in training, 0..1 (1 for rule readings) */
  familiarity: number
  /** text-level flags; the decision adds public_group, uncertain_case, missing_proof, leak_guard */
  riskFlags: RiskFlag[]
  /** the risk signals found (each also in riskFlags): on the customer side a person must act on them */
  signals: RiskFlag[]
  matchedTerms: { intent: string[]; risks: Partial<Record<RiskFlag, string[]>> }
  references: References
  /** what a partner's request asks the customer for */
  requested: RequestedItems
  /** a visit or delivery window the message names, in the tenant's time zone */
  window: AppointmentWindow | null
  /** carries words a person could act on: not only emoji, punctuation or a one-character "嗯" */
  substantive: boolean
  /** written as a question (a question mark, or a closing question particle) */
  asks: boolean
  /** opens by calling a family member ("妈，…"): said to them, not to the team */
  toFamily: boolean
  /** opens by calling a staff member or partner by name ("马经理，…", "小周 …"): said to the team */
  toTeam: boolean
}

const STAFF: ReadonlySet<TalkerRole> = new Set(['handler', 'supervisor'])
const ATTACHMENTS: ReadonlySet<MessageType> = new Set(['image', 'file', 'video'])
const NOT_A_MESSAGE: ReadonlySet<MessageType> = new Set(['recalled', 'system'])
// a slash command (half- or full-width), possibly after an @mention of the bot
const COMMAND = /^\s*(?:@\S+\s+)*[/／][a-z\u4e00-\u9fff]/iu
const NO_ITEMS: RequestedItems = { items: [], unlisted: [] }
const TIME_READINGS: ReadonlySet<string> = new Set(['appointment', 'chit_chat', 'promise_later'])
// a question mark anywhere, a question particle closing a clause (Mandarin and Cantonese), a
// clause closed by 不 after a verb phrase (the colloquial yes/no question: 你在屋头不, 明天来不;
// not 也不/还不/都不 "neither", "not yet"), an A-not-A question (在不在, 方不方便, 有没有), or a
// question word about time that is not "any time is fine" (几点都行, 什么时候都可以), or a tag
// asking to confirm (周六上午十点对吧, 是这个地址是吧; not 好吧/行吧, which accept)
const QUESTION =
  /[?？]|(吗|么|嘛|呢|没有|没|未|咩|呀|(?<![不也还都要])不[啊呀哇]?|(?<=[对是])吧)(?=[\s,，.。!！~～]|$)|(\p{Script=Han})[不没]\2|(几点|几号|哪天|什么时候|啥时候|幾時|幾點|\bwhen\b|what time)(?![^,，.。!！]*?(都|也|any))/iu
// Chat separates clauses by spaces ("礼拜一下午两点到了 人呢 店里就一个小妹在"), which the
// normalised text drops between Chinese characters: a question particle before a space closes a question too.
// (呢 after 是/对/好 agrees: "是呢 护理液在镜子后头"; 嘛 mostly urges: "我陪你克嘛")
const CLAUSE_QUESTION = /(?:吗|嗎|(?<![是对對好])呢|咩)\s/u
// A message that opens by calling a family member ("妈，…", "老婆 …") is said to them, not to
// the service team: relaying a time to the nanny or reminding a parent is not an answer to Baton.
// Kinship terms only: 姐/哥/阿姨/师傅 also address staff and installers.
const TO_FAMILY = /^\s*(?:@\S+\s+)*(?:妈妈|老妈|妈|爸爸|老爸|爸|老婆|老公|媳妇|儿子|闺女|女儿|奶奶|爷爷|外婆|外公|姥姥|姥爷|阿妈|阿爸|老豆|老竇|阿媽|mum|mom|dad|honey)(?:[，,：:！!~～\s]|呀|啊|哈)/iu

/**
 * Who is speaking decides how words are read. Staff in an internal group, a DM with the bot or a
 * coordination group always write an internal note, even "让客户上传照片": staff route work to
 * customers through commands and reviewed drafts, never by chatting, so reading their words as a
 * request would draft customer messages from internal chatter. A partner is a partner wherever
 * they write (a DM with the bot included). Everyone else, staff in customer groups too, is read by
 * their words; the decision records staff messages in customer groups without acting on them.
 */
export function speakerOf(input: Pick<UnderstandInput, 'channel' | 'talkerRole'>): Speaker {
  if (input.channel === 'internal') return 'staff'
  if (STAFF.has(input.talkerRole) && (input.channel === 'direct' || input.channel === 'partner')) return 'staff'
  if (input.talkerRole === 'partner' || input.channel === 'partner') return 'partner'
  return 'customer'
}

interface Reading {
  label: string
  confidence: number
  scores: ReadonlyArray<{ label: string; p: number }>
  familiarity: number
}

const ruled = (label: string, confidence: number): Reading => ({ label, confidence, scores: [{ label, p: confidence }], familiarity: 1 })

/**
 * The reading of one message: rules where the form says it all (attachments, commands, staff),
 * the trained model for words. Staff words are always notes (the model only tells a note about a
 * case from one about none).
 */
function readMessage(input: UnderstandInput, text: string, kit: UnderstandingKit): Reading {
  // our own messages, recalls and system notices say nothing about the customer's case
  if (input.talkerRole === 'bot' || NOT_A_MESSAGE.has(input.type)) return ruled('unknown', 0.1)
  const speaker = speakerOf(input)
  // staff words are always notes; the model only says whether a note is about a case at all
  if (speaker === 'staff') return input.type === 'text' && text.trim() !== '' && !COMMAND.test(text) ? modelReading(kit, text, speaker) : ruled('internal_note', 0.95)
  if (ATTACHMENTS.has(input.type)) return ruled('material_provided', 0.95)
  if (input.type === 'emoticon') return ruled('chit_chat', 0.9)
  if (COMMAND.test(text)) return ruled('command', 0.95)
  if (text.trim().length === 0) return ruled('unknown', 0.1)
  return modelReading(kit, text, speaker)
}

function modelReading(kit: UnderstandingKit, text: string, speaker: Speaker): Reading {
  const p = classifyIntent(kit.model, text, speaker)
  return { label: p.label, confidence: p.confidence, scores: p.scores, familiarity: p.familiarity }
}

/**
 * Longer messages are understood from their beginning (the record keeps every character): word
 * segmentation grows faster than the text, and one pasted 100 KB document stalled the bot for a minute.
 */
export const MAX_UNDERSTOOD_CHARS = 4000

const knownOrderLists = new WeakMap<readonly CustomerRef[], KnownOrder[]>()
function knownOrders(customers: readonly CustomerRef[]): KnownOrder[] {
  let list = knownOrderLists.get(customers)
  if (!list) {
    list = customers.flatMap((c) => c.orderNumbers.map((orderNo) => ({ orderNo, customerKey: c.key })))
    knownOrderLists.set(customers, list)
  }
  return list
}

const orderPatternLists = new WeakMap<CompiledLexicon, RegExp[]>()
function orderPatterns(lexicon: CompiledLexicon): RegExp[] {
  let list = orderPatternLists.get(lexicon)
  if (!list) {
    list = [...DEFAULT_ORDER_PATTERNS, ...lexicon.patterns.orderNumber]
    orderPatternLists.set(lexicon, list)
  }
  return list
}

/**
 * Case ids, customers, links and mentions from the lexicon's patterns; order numbers of any shape
 * (every order of the directory found literally, unknown ones by pattern, "8837那单" against the
 * group's customers) from findOrderRefs. A known order also names its customer.
 */
function referencesOf(text: string, input: UnderstandInput, kit: UnderstandingKit, directory: Directory): References {
  const base = extractReferences(text, input.mentionIds, kit.lexicon, directory.customers)
  const found = findOrderRefs(text, knownOrders(directory.customers), { patterns: orderPatterns(kit.lexicon), ...(input.groupCustomerKeys ? { groupCustomerKeys: input.groupCustomerKeys } : {}) }).orders
  const orderNumbers = [...new Set(found.map((o) => o.orderNo))]
  const byOrder = found.flatMap((o) => (o.customerKey ? [o.customerKey] : []))
  return { ...base, orderNumbers, customerKeys: [...new Set([...base.customerKeys, ...byOrder])] }
}

/**
 * Intent, reading, risk flags and signals, references, requested items and an appointment window
 * of one message. Pure: the kit is compiled once, the directory and the time are passed in.
 */
export function understandMessage(input: UnderstandInput, kit: UnderstandingKit, directory: Directory): Understanding {
  const head = input.text.length > MAX_UNDERSTOOD_CHARS ? input.text.slice(0, MAX_UNDERSTOOD_CHARS) : input.text
  const prepared = prepareText(head)
  const references = referencesOf(head, input, kit, directory)
  const reading = readMessage(input, head, kit)
  const intent = intentOfLabel(reading.label)
  const speaker = speakerOf(input)

  const matched = matchLexicon(prepared, kit.lexicon)
  const flags = new Set<RiskFlag>(LEXICON_RISKS.filter((r) => matched.risks.has(r)))
  const risks: Partial<Record<RiskFlag, string[]>> = Object.fromEntries(matched.risks)
  const signals = new Set<RiskFlag>()
  const words = input.type === 'text' || input.type === 'unknown' || input.type === 'url'
  if (words && speaker !== 'staff') {
    for (const [signal, hit] of findSignals(prepared.normalized, kit.signals)) {
      if (speaker !== 'partner' && PARTNER_ONLY_SIGNALS.has(signal)) continue
      signals.add(signal satisfies Signal)
      risks[signal] = [...(risks[signal] ?? []), hit]
    }
    if (findIdNumbers(head).length > 0) signals.add('identity_number')
    if (hasInvisible(head)) flags.add('invisible_text')
  }
  for (const s of signals) flags.add(s)

  const requested = speaker === 'partner' && intent === 'partner_request' ? extractRequestedItems(head, kit.catalogue) : NO_ITEMS
  if (requested.unlisted.length > 0) flags.add('unlisted_item')
  // a window matters for a partner's message and for a customer's time answer (read as such, or
  // as chatter that may be one); other messages skip the costliest part of reading
  const windowMatters = speaker === 'partner' || TIME_READINGS.has(reading.label)
  const window = input.now && words && windowMatters ? extractAppointmentWindow(head, input.now, kit.timeZone) : null

  // a partner request the team cannot tie to a case, an order or a customer must be completed by a person
  const r = references
  if (intent === 'partner_request' && r.caseIds.length + r.orderNumbers.length + r.customerKeys.length + r.phoneTails.length === 0) flags.add('missing_context')
  const toFamily = TO_FAMILY.test(head) || callsByName(head, input.householdNames ?? [])
  return {
    intent,
    label: reading.label,
    confidence: reading.confidence,
    scores: reading.scores,
    familiarity: reading.familiarity,
    riskFlags: [...flags],
    signals: [...signals],
    matchedTerms: { intent: [], risks },
    references,
    requested,
    window,
    substantive: (prepared.normalized.match(/[\p{L}\p{N}]/gu)?.length ?? 0) >= 2,
    asks: QUESTION.test(prepared.normalized) || CLAUSE_QUESTION.test(head.normalize('NFKC')),
    toFamily,
    toTeam: !toFamily && callsByName(head, input.teamNames ?? []),
  }
}

/**
 * The forms a member of the customer's side is called by: the whole name, the given name of a
 * Chinese name ("志刚" of 王志刚), a nickname as written ("小马"). One character is too little.
 */
export function householdCallNames(name: string): string[] {
  const n = name.trim()
  const rest = n.slice(1)
  // 任师傅, 王老板, 孟会计: the rest is a title that calls anyone (师傅，… is the installer), not a name
  const given = /^[\p{Script=Han}]{3,4}$/u.test(n) && !/^[小老阿]/u.test(n) && !TITLE.test(rest) ? [rest] : []
  return [n, ...given].filter((x) => [...x].length >= 2)
}
const TITLE = /(师傅|師傅|师父|老板|老闆|经理|經理|会计|會計|老师|老師|先生|女士|小姐|太太|阿姨|主任|主管|总|總|工|哥|姐|叔|姨|舅|婶|嫂|伯|爷|奶|妈|爸|医生|护士|同学|律师)$/u

/**
 * How a member of the customer's side is called by the others, beyond the name itself: by surname
 * with 小/老 ("小孙", "老刘") and by the last character of the given name ("阿琳" for 符晓琳, "小远"
 * for 陶志远). These fit many people, so the caller (the directory) keeps only the forms no staff
 * member or partner can also be called by; with `titled` (for staff and partners) a name that is a
 * surname and a title ("黎师傅", "吴店长") gives its surname's forms too ("老黎" may be 黎师傅).
 * Surname-and-title forms ("林总", "于姐") are left out: leave-one-tenant-out, a line opening with
 * one was as often an employee reporting business to the boss in the group ("常总 重开的发票到了"),
 * which the team must see, as words only for that person.
 */
export function familiarCallNames(name: string, titled = false): string[] {
  const n = name.trim()
  const surname = surnameOf(n)
  const isTitled = isTitledName(n)
  if (!surname || (isTitled && !titled)) return []
  const last = n.at(-1)!
  const given = !isTitled ? [`阿${last}`, `小${last}`] : []
  return [...(surname.length === 1 ? [`小${surname}`, `老${surname}`] : []), ...given].filter((f) => !EVERYDAY.has(f))
}
/** A surname and a title ("黎师傅", "曾总", "于姐", "吴店长"), or a title alone: how anyone of that surname is called. */
export function isTitledName(name: string): boolean {
  const n = name.trim()
  return TITLE.test(n.slice(surnameOf(n)?.length ?? 1)) || n.endsWith('店长')
}
/** How anyone of the business is called with no name at all ("师傅，…", "老板 五一有团吗", "群主 …"). */
export const BUSINESS_CALLS = ['师傅', '師傅', '老板', '老闆', '老板娘', '经理', '老师', '老師', '主任', '医生', '教练', '店长', '客服', '群主', '管理员'] as const

/** Titles a staff member or partner is called by after their surname ("马经理", "夏教练", "吴助理"). */
export const TEAM_TITLES = ['师傅', '老板', '经理', '会计', '老师', '主任', '主管', '总', '工', '哥', '姐', '医生', '护士', '律师', '教练', '助理', '店长', '站长', '校长', '顾问', '管家', '导'] as const

// forms that are everyday words before a comma: never taken for someone's name
const EVERYDAY = new Set(['小心', '小时', '小孩', '小姐', '小区', '小事', '小的', '阿姨', '老公', '老婆', '老板', '老师', '老家', '老人', '先生', '学生', '医生'])

/**
 * Opens by calling one of these names: "志刚，楼上那个小伙子今天下来了", or with no comma but a
 * "you" that follows ("小马周四下午你去一趟恒顺"); "志刚说你们周四来" speaks to the team ("你们"),
 * not to 志刚.
 */
function callsByName(head: string, names: readonly string[]): boolean {
  const text = head.replace(/^\s*(?:@\S+\s+)*/u, '')
  const lower = text.toLowerCase()
  return names.some((name) => {
    if (!lower.startsWith(name.toLowerCase())) return false
    const rest = text.slice(name.length)
    // a title alone needs its pause: "师傅讲要来两回 丽丽你看…" tells 丽丽 what the installer said
    return /^(?:[，,：:！!~～\s]|呀|啊|哈)/u.test(rest) || (!BUSINESS_CALL.has(name) && /^[^，,。.！!？?]{0,12}?[你您](?!们|們)/u.test(rest))
  })
}
const BUSINESS_CALL: ReadonlySet<string> = new Set(BUSINESS_CALLS)
