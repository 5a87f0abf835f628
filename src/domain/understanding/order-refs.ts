import { cleanText } from './normalize-text.js'

/** An order the directory knows, and whose customer it belongs to. */
export interface KnownOrder {
  orderNo: string
  customerKey: string
}

export type OrderRefHow = 'literal' | 'part' | 'pattern' | 'last_four' | 'serial'

export interface OrderRef {
  /** the directory's spelling for a known order; upper case without spaces for an unknown one */
  orderNo: string
  /** null for an order the directory does not know (or that two customers claim) */
  customerKey: string | null
  how: OrderRefHow
}

export interface FindOrderRefsOptions {
  /** shapes of order numbers the directory may not know yet; value = first capture group, else the match */
  patterns: readonly RegExp[]
  /** customers of the group the message came from: a last-four reference is resolved among their orders first */
  groupCustomerKeys?: readonly string[]
}

// Characters people (and copy-paste) put inside one number: spaces, dashes of every width,
// underscores, dots, slashes and the # of quote numbers ("Q#4518"). Anything else (Chinese,
// commas, colons, brackets) ends a number, unless a known order has it inside ("FSQ(2611)0052",
// "YZ地-1126-3": see `infix`). Only known orders are matched across them.
const SOFT_SEPARATOR = /[\s\-_./\\\u00B7\u2010-\u2015\u2212\u30FC\uFF5E~#]/u
// cleanText drops the usual invisible characters; these two also hide inside pasted numbers.
const EXTRA_INVISIBLE = /[\u00AD\u180E]/g
const SEP = '[-_./\\u2010-\\u2015\\u2212]'
const SEP_OR_SPACE = '[-_./\\s\\u2010-\\u2015\\u2212]'

/** Upper case, NFKC, every character that is not a latin letter or a digit dropped: how orders are compared. */
export function canonicalOrderNo(s: string): string {
  return cleanText(s)
    .replace(EXTRA_INVISIBLE, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
}

/**
 * Order-looking tokens a tenant may not have listed. Each is written for text that has been
 * through cleanText (NFKC, invisible characters gone) and is case-insensitive. Phone numbers and
 * ID numbers are additionally rejected after matching (see `isExcludedToken`), whatever the pattern.
 */
export const DEFAULT_ORDER_PATTERNS: readonly RegExp[] = [
  // 1–4 letters then digits in groups: AJ20261120-8837, SO-7734-2291, HX2026-11-0042, AJ2026 1118-5521.
  // A space joins only groups of 3+ digits, so "SO123456 2台" is not "SO1234562". The lookahead
  // asks for 6 digits (7 after a single letter) so the token has at least 8 alphanumerics.
  new RegExp(
    `(?<![A-Z0-9])(?<![A-Z0-9]${SEP})((?:[A-Z]{2,4}${SEP}?(?=(?:${SEP_OR_SPACE}?\\d){6})|[A-Z]${SEP}?(?=(?:${SEP_OR_SPACE}?\\d){7}))\\d+(?:${SEP}\\d+|\\s\\d{3,})*)(?![A-Z0-9])(?!${SEP}[A-Z0-9])`,
    'giu',
  ),
  // 12–20 digits, possibly in groups: 2611 0457 8812 3391. Phones have 11 digits; an 18-digit
  // ID number is rejected after matching.
  new RegExp(`(?<![A-Z0-9])(?<![A-Z0-9]${SEP_OR_SPACE})(?=(?:${SEP_OR_SPACE}?\\d){12})(?!(?:${SEP_OR_SPACE}?\\d){21})(\\d{3,}(?:${SEP}\\d{2,}|\\s\\d{3,})*)(?![A-Z0-9])(?!${SEP_OR_SPACE}\\d)`, 'giu'),
  // A label makes a shorter token believable: 订单号 12345, 单号：SO-7734, order no. 556677.
  // 工单 is a case, 快递/运/物流单号 a parcel: neither is an order.
  new RegExp(`(?:订单(?:号|编号)?|(?<![工递运流])单号|(?<![A-Z])order\\s*(?:no\\.?|number|id|#)?)\\s*(?:是|为|:|：|#)?\\s*([A-Z0-9]+(?:${SEP}[A-Z0-9]+|\\s\\d{3,})*)(?![A-Z0-9])`, 'giu'),
]

const PHONE = /^(?:0086|86)?1[3-9]\d{9}$/
const ID_NUMBER = /^\d{17}[\dX]$/
const LANDLINE = /^0\d{2,3}[-\s]\d{7,8}$/

/** Phones, ID numbers and landlines look like orders to a pattern; they are never orders. */
function isExcludedToken(raw: string, canonical: string): boolean {
  const digits = canonical.replace(/[A-Z]/g, '')
  if (PHONE.test(digits) || ID_NUMBER.test(canonical) || LANDLINE.test(raw.trim())) return true
  // one group of a spaced number being a phone: "13912345678 2211" is a phone and something else
  return raw.split(/[\s-]+/).some((g) => PHONE.test(g))
}

/** Too short or too few digits to be an order whatever a pattern says ("order status", "单号 12"). */
function isPlausibleToken(canonical: string): boolean {
  const digits = canonical.replace(/[^0-9]/g, '').length
  return canonical.length >= 5 && digits >= 4
}

// ---------------------------------------------------------------------------------------------
// Known orders, prepared once per list

interface Entry {
  orderNo: string
  customerKey: string | null
}

interface PreparedOrders {
  byCanonical: Map<string, Entry>
  /**
   * A known order by a part of it ("HS2611-37" for SZ-HS2611-37, "0612-7730" for BJ-0612-7730,
   * the serial "418827" of SYR-418827-B): people drop a company or region prefix, or a check
   * letter. Only parts between the written number's separators, with at least 6 characters and 4
   * digits (4 characters, 3 of them digits, with a letter: "P061"), and that belong to one order;
   * null when two orders share the part.
   */
  byPart: Map<string, Entry | null>
  lengths: Set<number>
  maxLength: number
  /** every known order whose canonical form ends in these four digits */
  byLastFour: Map<string, KnownOrder[]>
  /**
   * every known order by its serial: the chunk after its last separator ("B11", "00187" and
   * "187"), and a chunk before it that no other order has ("0502" of EBK-0502-JY26)
   */
  bySerial: Map<string, KnownOrder[]>
  /**
   * Characters other than letters, digits and soft separators that known orders have inside
   * ("(" and ")" of FSQ(2611)0052, 地 of YZ地-1126-3): in a message they join a number as a
   * separator would, so those orders are found as written. Compared as orders are, without them.
   */
  infix: Set<string>
}

const prepared = new WeakMap<readonly KnownOrder[], PreparedOrders>()

function prepare(known: readonly KnownOrder[]): PreparedOrders {
  const cached = prepared.get(known)
  if (cached) return cached
  const byCanonical = new Map<string, Entry>()
  const byLastFour = new Map<string, KnownOrder[]>()
  const bySerial = new Map<string, KnownOrder[]>()
  for (const k of known) {
    const c = canonicalOrderNo(k.orderNo)
    if (c.length === 0) continue
    const seen = byCanonical.get(c)
    // the same order under two customers is a directory mistake: found, but owned by nobody
    if (seen && seen.customerKey !== k.customerKey) seen.customerKey = null
    else if (!seen) byCanonical.set(c, { orderNo: k.orderNo, customerKey: k.customerKey })
    const tail = /(\d{4})$/.exec(c)?.[1]
    if (tail !== undefined) byLastFour.set(tail, [...(byLastFour.get(tail) ?? []), k])
    for (const serial of serialsOf(k.orderNo)) bySerial.set(serial, [...(bySerial.get(serial) ?? []), k])
  }
  // another order's last chunk alike: both are candidates, and the group's customer decides or nobody
  for (const [serial, k] of distinctChunks(known)) bySerial.set(serial, [...(bySerial.get(serial) ?? []), k])
  const byPart = new Map<string, Entry | null>()
  for (const k of known) {
    for (const part of separatedParts(k.orderNo)) {
      if (byCanonical.has(part)) continue
      const seen = byPart.get(part)
      if (seen === undefined) byPart.set(part, { orderNo: k.orderNo, customerKey: k.customerKey })
      else if (seen !== null && seen.orderNo !== k.orderNo) byPart.set(part, null)
    }
  }
  const lengths = new Set([...byCanonical.keys(), ...byPart.keys()].map((c) => c.length))
  const infix = new Set(known.flatMap((k) => [...innerOf(cleanText(k.orderNo))].filter((ch) => !/[A-Za-z0-9\s]/.test(ch) && !SOFT_SEPARATOR.test(ch))))
  const result = { byCanonical, byPart, lengths, maxLength: Math.max(0, ...lengths), byLastFour, bySerial, infix }
  prepared.set(known, result)
  return result
}

/** What lies between a written number's first and last letter or digit. */
function innerOf(written: string): string {
  return /[A-Za-z0-9].*[A-Za-z0-9]/su.exec(written)?.[0] ?? ''
}

/** The chunks of a written order number: what lies between anything that is not a latin letter or a digit. */
function chunksOf(orderNo: string): string[] {
  return cleanText(orderNo)
    .split(/[^A-Za-z0-9]+/u)
    .map(canonicalOrderNo)
    .filter((c) => c.length > 0)
}

/**
 * The canonical parts of a written order number between its separators, the whole excepted:
 * "HS2611-37" of SZ-HS2611-37, the serial "418827" of SYR-418827-B.
 */
function separatedParts(orderNo: string): string[] {
  const chunks = chunksOf(orderNo)
  const out: string[] = []
  for (let i = 0; i < chunks.length; i++) {
    for (let j = i + 1; j <= chunks.length; j++) {
      if (i === 0 && j === chunks.length) continue
      const part = chunks.slice(i, j).join('')
      const digits = part.replace(/[^0-9]/g, '').length
      // digits alone must be long (a date or a time is four digits); a letter makes four enough ("P061", "037R")
      if ((part.length >= 6 && digits >= 4) || (part.length >= 4 && digits >= 3 && /[A-Z]/.test(part))) out.push(part)
    }
  }
  return out
}

/**
 * The serial of a written order number, the chunk after its last separator, as crews call an
 * order by it ("B11" of CQR261104-B11, "00187" or "187" of GSZY-S26-00187): at least three
 * characters with two digits, and digits alone at least three once leading zeros are dropped.
 */
function serialsOf(orderNo: string): string[] {
  const chunks = chunksOf(orderNo)
  const last = chunks.length >= 2 ? chunks[chunks.length - 1]! : ''
  if (last.length < 3 || last.replace(/[^0-9]/g, '').length < 2) return []
  const unpadded = last.replace(/^0+/, '')
  return /^\d+$/.test(last) && unpadded !== last && unpadded.length >= 3 ? [last, unpadded] : [last]
}

/**
 * Chunks before an order's last separator that no other known order has, as serials: where a
 * region or batch code ends the number ("EBK-0502-JY26", "HD-0321-ST26"), crews call the order by
 * the chunk that tells it apart ("揭阳0502那台", "0321 那块电池"). Only such a chunk with three digits
 * or more and not a year; a chunk two orders share (a date, a region, a batch) names neither.
 */
function distinctChunks(known: readonly KnownOrder[]): Map<string, KnownOrder> {
  const owners = new Map<string, Set<string>>()
  const firstOwner = new Map<string, KnownOrder>()
  for (const k of known) {
    const orderKey = canonicalOrderNo(k.orderNo)
    const chunks = chunksOf(k.orderNo)
    for (const chunk of chunks.slice(0, -1)) {
      if (chunk.replace(/[^0-9]/g, '').length < 3 || /^(?:19|20)\d\d$/.test(chunk)) continue
      const unpadded = chunk.replace(/^0+/, '')
      for (const form of /^\d+$/.test(chunk) && unpadded !== chunk && unpadded.length >= 3 ? [chunk, unpadded] : [chunk]) {
        owners.set(form, (owners.get(form) ?? new Set()).add(orderKey))
        if (!firstOwner.has(form)) firstOwner.set(form, k)
      }
    }
  }
  const out = new Map<string, KnownOrder>()
  for (const [form, set] of owners) if (set.size === 1) out.set(form, firstOwner.get(form)!)
  return out
}

// ---------------------------------------------------------------------------------------------
// Literal matching on canonical runs

interface Found extends OrderRef {
  /** where in the cleaned text, to order results by mention and to keep matches apart */
  start: number
  end: number
}

/** A stretch of letters/digits joined by soft separators; chunks are the pieces between separators. */
interface Run {
  canonical: string
  /** cleaned-text index of each canonical character */
  at: number[]
  /** canonical offsets where a chunk starts / ends: the only places an order may start / end */
  starts: number[]
  ends: number[]
  /** offsets where chunks meet across spaces only: two words, where a part of an order may start or end */
  spaced: Set<number>
}

function splitRuns(text: string, infix: ReadonlySet<string>): Run[] {
  const runs: Run[] = []
  let run: Run | null = null
  let afterSeparator = true
  let onlySpaces = true
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    const up = ch.toUpperCase()
    if (/^[A-Z0-9]$/.test(up)) {
      run ??= { canonical: '', at: [], starts: [], ends: [], spaced: new Set() }
      if (afterSeparator) run.starts.push(run.canonical.length)
      if (afterSeparator && onlySpaces && run.canonical.length > 0) run.spaced.add(run.canonical.length)
      run.canonical += up
      run.at.push(i)
      afterSeparator = false
    } else if (run && (SOFT_SEPARATOR.test(ch) || infix.has(ch))) {
      if (!afterSeparator) {
        run.ends.push(run.canonical.length)
        onlySpaces = true
      }
      onlySpaces &&= /\s/.test(ch)
      afterSeparator = true
    } else {
      if (run) closeRun(runs, run, afterSeparator)
      run = null
      afterSeparator = true
    }
  }
  if (run) closeRun(runs, run, afterSeparator)
  return runs
}

function closeRun(runs: Run[], run: Run, afterSeparator: boolean): void {
  if (!afterSeparator) run.ends.push(run.canonical.length)
  runs.push(run)
}

/** Known orders in one run: from each chunk start, the longest known order ending on a chunk end. */
function literalInRun(run: Run, orders: PreparedOrders, out: Found[]): void {
  let consumedTo = 0
  for (const s of run.starts) {
    if (s < consumedTo) continue
    let best: { entry: Entry; end: number; how: OrderRefHow } | null = null
    for (const e of run.ends) {
      const length = e - s
      if (length <= 0) continue
      if (length > orders.maxLength) break
      if (!orders.lengths.has(length)) continue
      const slice = run.canonical.slice(s, e)
      const entry = orders.byCanonical.get(slice)
      const partial = entry ? undefined : orders.byPart.get(slice)
      // a part stands for the order only as a word of its own: "AJ20261120" of AJ20261120-88371
      // is the start of another order, not AJ20261120-8837
      const alone = (s === 0 || run.spaced.has(s)) && (e === run.canonical.length || run.spaced.has(e))
      if (entry) best = { entry, end: e, how: 'literal' }
      else if (partial && alone) best = { entry: partial, end: e, how: 'part' }
    }
    if (best) {
      out.push({ orderNo: best.entry.orderNo, customerKey: best.entry.customerKey, how: best.how, start: run.at[s]!, end: run.at[best.end - 1]! + 1 })
      consumedTo = best.end
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Patterns and last-four references

const globalCopies = new WeakMap<RegExp, RegExp>()
/** matchAll needs a global regex; a configured pattern without the flag still works. */
function asGlobal(p: RegExp): RegExp {
  if (p.global) return p
  let g = globalCopies.get(p)
  if (!g) {
    g = new RegExp(p.source, `${p.flags}g`)
    globalCopies.set(p, g)
  }
  return g
}

/** Upper case, invisible characters and spaces gone, dashes kept: what a person reads back. */
function displayOrderNo(raw: string): string {
  return raw
    .toUpperCase()
    .replace(/\s+/g, '')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
}

function patternMatches(text: string, patterns: readonly RegExp[], known: PreparedOrders): Found[] {
  const out: Found[] = []
  for (const p of patterns) {
    for (const m of text.matchAll(asGlobal(p))) {
      const raw = m[1] ?? m[0]
      const canonical = canonicalOrderNo(raw)
      if (!isPlausibleToken(canonical) || isExcludedToken(raw, canonical)) continue
      const start = m.index + Math.max(0, m[0].indexOf(raw))
      const entry = known.byCanonical.get(canonical)
      // a pattern may still find a known order whose boundaries the literal pass refused; keep its owner
      out.push({ orderNo: entry?.orderNo ?? displayOrderNo(raw), customerKey: entry?.customerKey ?? null, how: 'pattern', start, end: start + raw.length })
    }
  }
  return out
}

// Four digits that are not the end of a longer number (a phone "139 1234 8837" included).
const FOUR = '(?<![0-9A-Z][\\s-]?)(\\d{4})(?!\\d)'
const LAST_FOUR_PATTERNS: readonly RegExp[] = [
  // 尾号8837, 后四位是8837, 末四位：8837
  new RegExp(`(?:尾号|尾数|末四位|后四位|后4位|最后四位)\\s*(?:是|为)?\\s*[:：]?\\s*(\\d{4})(?!\\d)`, 'gu'),
  // 8837那单, 0042那个, 8837这张单, 3391嗰張單, 8837的订单, 5190那票 (a shipment), 6024那件
  new RegExp(`${FOUR}\\s*(?:(?:那|这|這|嗰|呢)\\s*(?:一)?\\s*(?:个|個|张|張|笔|筆|单|單|票|件)|的\\s*(?:那|这)?\\s*(?:个|張|张|笔)?\\s*(?:订单|單|单))`, 'giu'),
  // a message that opens with the four digits, as crews write them: "0417 礼拜六上午排不开", "1126换货我接了"
  // (not a year, a date, a clock time or a sum: "2026年", "1130到", "0830前", "1200块")
  /^\s*(\d{4})(?=\s|[\p{Script=Han}])(?![年月日号號点點时時分秒到前后後左以之元块塊])/gu,
  // ending 3391, ends in 3391, last four 3391, last 4 digits: 3391
  new RegExp(`(?<![a-z])(?:ending(?:\\s+(?:in|with))?|ends?\\s+(?:in|with)|last\\s+(?:4|four)(?:\\s+digits)?(?:\\s+(?:is|are|of))?)\\s*[:#]?\\s*(\\d{4})(?!\\d)`, 'giu'),
]

// A serial as crews write it ("B11", "00187", "ZT07"), and what must not follow it: a unit, a
// date or a clock time ("187块", "300个", "1130到") is a number, not an order.
// (never the end of a longer number: a phone "139 1234 8837" or "1391234-8837")
const SERIAL = '(?<![0-9A-Z][\\s-]?)([A-Z]{0,3}\\d{2,6}[A-Z]?)(?![0-9A-Z])'
const NOT_A_UNIT = '(?![年月日号號点點时時分秒到前后後左以之元块塊个個台根米斤度%平只条條张張份盒瓶袋箱套人岁歲天次遍页頁楼樓栋棟层層室]|\\s*(?:元|块|塊|个|個|%))'
const DEMONSTRATIVE = '(?:那|这|這|嗰|呢)\\s*(?:一)?\\s*(?:个|個|张|張|单|單|台|户|戶|票|件|家|份)'
const SERIAL_PATTERNS: readonly RegExp[] = [
  // a message that opens with it: "B11 周三上午九点半到", "187在路边，开始拆割台", "00415是老款泵"
  new RegExp(`^\\s*(?:@\\S+\\s+)*${SERIAL}${NOT_A_UNIT}(?=[\\s，,：:]|\\p{Script=Han})`, 'giu'),
  // after or before a demonstrative: "如东那个0152注销", "ZT07嗰单", "B03 这个是读卡模块的问题" (not: opens)
  new RegExp(`${DEMONSTRATIVE}\\s*${SERIAL}${NOT_A_UNIT}`, 'giu'),
  new RegExp(`${SERIAL}\\s*(?=${DEMONSTRATIVE}|的\\s*(?:订单|單|单))`, 'giu'),
]

/** The one known order ending in `four`: the group's customers first, then everybody; none if two fit. */
function resolveLastFour(four: string, known: PreparedOrders, groupKeys: readonly string[] | undefined): Entry | null {
  return resolveAmong(known.byLastFour.get(four) ?? [], groupKeys)
}

/** The one candidate among the group's customers' orders, else among all; none if two fit. */
function resolveAmong(candidates: readonly KnownOrder[], groupKeys: readonly string[] | undefined): Entry | null {
  if (groupKeys && groupKeys.length > 0) {
    const inGroup = candidates.filter((k) => groupKeys.includes(k.customerKey))
    if (inGroup.length === 1) return inGroup[0]!
    // two orders of this group's customers end alike: asking beats guessing
    if (inGroup.length > 1) return null
  }
  return candidates.length === 1 ? candidates[0]! : null
}

function lastFourMatches(text: string, known: PreparedOrders, groupKeys: readonly string[] | undefined): Found[] {
  const out: Found[] = []
  for (const p of LAST_FOUR_PATTERNS) {
    for (const m of text.matchAll(p)) {
      const four = m[1]!
      const hit = resolveLastFour(four, known, groupKeys)
      if (hit) out.push({ orderNo: hit.orderNo, customerKey: hit.customerKey, how: 'last_four', start: m.index, end: m.index + m[0].length })
    }
  }
  if (known.bySerial.size === 0) return out
  for (const p of SERIAL_PATTERNS) {
    for (const m of text.matchAll(p)) {
      const hit = resolveAmong(known.bySerial.get(m[1]!.toUpperCase()) ?? [], groupKeys)
      if (hit) out.push({ orderNo: hit.orderNo, customerKey: hit.customerKey, how: 'serial', start: m.index, end: m.index + m[0].length })
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------

/** Blanks out what an earlier pass found, so a later pass does not read it again (length kept). */
function mask(text: string, spans: readonly Found[]): string {
  const chars = [...text.split('')]
  for (const s of spans) for (let i = s.start; i < s.end; i++) chars[i] = '\u0000'
  return chars.join('')
}

/** Earliest first; of two overlapping matches the earlier (then longer) wins. */
function withoutOverlaps(found: readonly Found[]): Found[] {
  const sorted = [...found].sort((a, b) => a.start - b.start || b.end - a.end)
  const kept: Found[] = []
  for (const f of sorted) if (!kept.some((k) => f.start < k.end && k.start < f.end)) kept.push(f)
  return kept
}

/**
 * The orders a message names: known orders literally (whatever their shape, whatever spaces,
 * dashes or invisible characters sit inside), unknown order-looking tokens by pattern, and
 * "8837那单"-style last-four references when exactly one known order fits. In order of mention,
 * one entry per order.
 */
export function findOrderRefs(text: string, known: readonly KnownOrder[], opts: FindOrderRefsOptions): { orders: OrderRef[] } {
  const orders = prepare(known)
  const clean = cleanText(text).replace(EXTRA_INVISIBLE, '')
  const literal: Found[] = []
  if (orders.byCanonical.size > 0) for (const run of splitRuns(clean, orders.infix)) literalInRun(run, orders, literal)
  const rest = mask(clean, literal)
  const byPattern = withoutOverlaps(patternMatches(rest, opts.patterns, orders))
  const byTail = lastFourMatches(mask(rest, byPattern), orders, opts.groupCustomerKeys)
  const all = withoutOverlaps([...literal, ...byPattern, ...byTail])
  const seen = new Set<string>()
  const result: OrderRef[] = []
  for (const f of all) {
    const key = canonicalOrderNo(f.orderNo)
    if (seen.has(key)) continue
    seen.add(key)
    result.push({ orderNo: f.orderNo, customerKey: f.customerKey, how: f.how })
  }
  return { orders: result }
}
