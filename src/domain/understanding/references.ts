import type { CompiledLexicon } from './lexicon.js'
import { cleanText, normalizeText } from './normalize-text.js'

/** A customer of the directory, as far as finding them in a message needs. */
export interface CustomerRef {
  key: string
  name: string
  aliases: string[]
  orderNumbers: string[]
  phoneTail?: string
}

/** Everything a message points at. */
export interface References {
  caseIds: number[]
  orderNumbers: string[]
  customerKeys: string[]
  phoneTails: string[]
  mentionIds: string[]
  links: string[]
}

function captures(text: string, patterns: readonly RegExp[]): string[] {
  // matchAll works on a copy of each (global) regex, so the compiled lexicon is never mutated
  const out = patterns.flatMap((p) => [...text.matchAll(p)].map((m) => m[1] ?? m[0]))
  return [...new Set(out)]
}

interface PreparedCustomer {
  key: string
  /** name and aliases, normalized */
  names: string[]
  /** order numbers in upper case */
  orders: string[]
  phoneTail?: string
}

/**
 * The directory's customers with names normalized and order numbers upper-cased once per list
 * instead of once per message (for 180 customers that was most of reading a message's
 * references in the benchmark's profile). Keyed by the list itself: a new directory is a new list.
 */
const preparedLists = new WeakMap<readonly CustomerRef[], PreparedCustomer[]>()
function preparedCustomers(customers: readonly CustomerRef[]): PreparedCustomer[] {
  let list = preparedLists.get(customers)
  if (!list) {
    const bySurname = surnameOwners(customers)
    list = customers.map((c) => ({
      key: c.key,
      names: [c.name, ...c.aliases, ...surnameForms(c, bySurname)].map(normalizeText).filter((n) => n.length > 0),
      orders: c.orderNumbers.map((o) => o.toUpperCase()),
      ...(c.phoneTail !== undefined ? { phoneTail: c.phoneTail } : {}),
    }))
    preparedLists.set(customers, list)
  }
  return list
}

// Two-character surnames that would otherwise be read as a one-character surname and a name.
const COMPOUND_SURNAMES = new Set([
  '欧阳',
  '司马',
  '诸葛',
  '上官',
  '东方',
  '皇甫',
  '尉迟',
  '公孙',
  '慕容',
  '令狐',
  '长孙',
  '宇文',
  '司徒',
  '夏侯',
  '端木',
  '澹台',
  '独孤',
  '南宫',
  '西门',
  '万俟',
  '闻人',
  '申屠',
  '轩辕',
])

/** The surname of a Chinese name ("颜秀梅", "颜先生", "欧阳娜"); null for a latin or one-character name. */
export function surnameOf(name: string): string | null {
  const n = name.trim()
  // a nickname (小王, 老李, 阿May) names no surname to build on
  if (!/^[\p{Script=Han}]{2,4}$/u.test(n) || /^[小老阿大]/u.test(n)) return null
  return COMPOUND_SURNAMES.has(n.slice(0, 2)) && n.length > 2 ? n.slice(0, 2) : n[0]!
}

/** surname → the one customer who has it; a surname two customers share names nobody. */
function surnameOwners(customers: readonly CustomerRef[]): Map<string, string | null> {
  const owners = new Map<string, string | null>()
  for (const c of customers) {
    const s = surnameOf(c.name)
    if (s) owners.set(s, owners.has(s) && owners.get(s) !== c.key ? null : c.key)
  }
  return owners
}

/**
 * How people name a customer by surname ("颜家那樘窗", "刁姐", "老颜", "梁生", "梁太"), for a
 * customer whose surname no other customer shares. The tenant file lists a few aliases; people
 * use these forms for everyone. 师傅/师父 is left out: that is the crew, not the customer.
 */
function surnameForms(c: CustomerRef, owners: ReadonlyMap<string, string | null>): string[] {
  const s = surnameOf(c.name)
  if (!s || owners.get(s) !== c.key) return []
  const forms = [`${s}家`, `${s}先生`, `${s}女士`, `${s}小姐`, `${s}姐`, `${s}哥`, `${s}总`, `${s}老板`, `${s}阿姨`, `${s}叔`, `${s}大爷`, `${s}奶奶`, `${s}老师`, `${s}生`, `${s}太`]
  return (s.length === 1 ? [...forms, `老${s}`] : forms).filter((f) => !COMMON_WORDS.has(f))
}
// forms that are everyday words for some surname (先 → 先生, 国 → 国家): never a name
const COMMON_WORDS = new Set([
  '先生',
  '学生',
  '医生',
  '后生',
  '出生',
  '一生',
  '人家',
  '国家',
  '大家',
  '自家',
  '全家',
  '专家',
  '商家',
  '厂家',
  '买家',
  '卖家',
  '东家',
  '回家',
  '在家',
  '到家',
  '我家',
  '你家',
  '他家',
  '她家',
  '老家',
  '太太',
  '师太',
  '老太',
  '姐姐',
  '哥哥',
  '叔叔',
  '大哥',
  '大姐',
  '大叔',
  '大爷',
  '老总',
  '老板',
])

// module level, not inside containsName: called for every name of every customer on every message
const isWord = (c: string | undefined): boolean => c !== undefined && /[a-z0-9]/.test(c)

// A latin alias ("ms li") needs word boundaries; a Chinese name ("老张") is found anywhere.
function containsName(haystack: string, needle: string): boolean {
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    if (!isWord(needle[0]) || !isWord(haystack[at - 1])) {
      if (!isWord(needle.at(-1)) || !isWord(haystack[at + needle.length])) return true
    }
  }
  return false
}

/**
 * Case ids, order numbers, customers (by name, alias, order number or phone tail), mentions and
 * links. Links are read first and cut out, so "…/page#12" is not case 12.
 */
export function extractReferences(rawText: string, mentionIds: readonly string[], lexicon: CompiledLexicon, customers: readonly CustomerRef[]): References {
  // links keep their case (paths are case-sensitive); trailing punctuation belongs to the sentence
  const cased = cleanText(rawText)
  const links = captures(cased, lexicon.patterns.link).map((l) => l.replace(/[.,;:!?)\]}'"]+$/, ''))
  let rest = cased
  for (const l of links) rest = rest.split(l).join(' ')
  const text = rest.toLowerCase()

  const caseIds = captures(text, lexicon.patterns.caseId)
    .map(Number)
    .filter((n) => Number.isSafeInteger(n) && n > 0)
  // order numbers are compared and stored in their canonical upper case
  const orderNumbers = [...new Set(captures(text, lexicon.patterns.orderNumber).map((o) => o.toUpperCase()))]
  const phoneTails = captures(text, lexicon.patterns.phoneTail)
  const customerKeys = preparedCustomers(customers)
    .filter((c) => c.names.some((n) => containsName(text, n)) || c.orders.some((o) => orderNumbers.includes(o)) || (c.phoneTail !== undefined && phoneTails.includes(c.phoneTail)))
    .map((c) => c.key)
  return { caseIds: [...new Set(caseIds)], orderNumbers, customerKeys, phoneTails, mentionIds: [...new Set(mentionIds)], links }
}
