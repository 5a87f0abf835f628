import { cleanText } from './normalize-text.js'

// A digit that is the neighbour of a number, possibly across one space or hyphen: a phone
// inside "2611 1391 2345 6789" is part of a longer number, not a phone.
const NOT_AFTER_DIGIT = '(?<!\\d[\\s-]?)'
const NOT_BEFORE_DIGIT = '(?![\\s-]?\\d)'
const MOBILE_RE = new RegExp(`${NOT_AFTER_DIGIT}(?:(?:\\+|00)?86[\\s-]?)?(1[3-9]\\d(?:[\\s-]?\\d){8})${NOT_BEFORE_DIGIT}`, 'gu')
// area code 0xx / 0xxx and a 7–8 digit number, with a hyphen, a space or brackets between
const LANDLINE_RE = new RegExp(`${NOT_AFTER_DIGIT}(?:\\((0\\d{2,3})\\)\\s?|(0\\d{2,3})[\\s-])(\\d{7,8})${NOT_BEFORE_DIGIT}`, 'gu')

/**
 * Phone numbers in a message: mainland mobiles (spaces and hyphens tolerated, +86/0086 dropped)
 * as 11 digits, landlines as "area-number". In order of mention, each once.
 */
export function findPhones(text: string): string[] {
  const clean = cleanText(text)
  const found: Array<{ at: number; phone: string }> = []
  for (const m of clean.matchAll(MOBILE_RE)) {
    const digits = m[1]!.replace(/\D/g, '')
    if (digits.length === 11) found.push({ at: m.index, phone: digits })
  }
  for (const m of clean.matchAll(LANDLINE_RE)) found.push({ at: m.index, phone: `${m[1] ?? m[2]}-${m[3]}` })
  return [...new Set(found.sort((a, b) => a.at - b.at).map((f) => f.phone))]
}

const ID_RE = /(?<![\dA-Za-z])(\d{6}[\s-]?\d{8}[\s-]?\d{3}[\dXx])(?![\dA-Za-z])/gu
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'

/** GB 11643: the 18th character is a checksum of the first 17, so a random 18-digit order number rarely passes. */
export function isValidIdNumber(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false
  const sum = ID_WEIGHTS.reduce((acc, w, i) => acc + w * Number(id[i]), 0)
  return ID_CHECK[sum % 11] === id[17]
}

/** Mainland ID numbers (18 characters, valid checksum), upper case without spaces; each once. */
export function findIdNumbers(text: string): string[] {
  const out: string[] = []
  for (const m of cleanText(text).matchAll(ID_RE)) {
    const id = m[1]!.replace(/[\s-]/g, '').toUpperCase()
    if (isValidIdNumber(id) && !out.includes(id)) out.push(id)
  }
  return out
}

// One piece of a Chinese address is a short name followed by its marker: 广东省, 南山区, 深南大道,
// 9988号, 3栋, 1202室. Markers that only a real address has ("strong") keep "市区" or "单号" out.
const MARKERS = '自治区|特别行政区|省|市|区|县|镇|乡|街道|村|大道|路|街|巷|弄|胡同|小区|花园|苑|公寓|大厦|广场|家园|新村|园区|号楼|号院|号|栋|幢|座|单元|楼|层|室|户'
const STRONG = /大道|路|街|巷|弄|胡同|小区|花园|苑|公寓|大厦|家园|新村|号楼|号院|栋|幢|单元|室/u
const PIECE = `[\\p{Script=Han}A-Za-z0-9#-]{1,12}?(?:${MARKERS})`
const ZH_ADDRESS_RE = new RegExp(`(?:${PIECE}){2,}(?:[A-Za-z0-9-]{1,6}(?![A-Za-z0-9]))?`, 'gu')
// what people say before an address, not part of it
const LEAD_IN = /^(?:我家|我|家)?(?:住在|住|在|地址是|地址为|地址|送到|寄到|装在|安装在)/u
const EN_ADDRESS_RE =
  /(?:(?<![a-z])(?:flat|unit|room|rm|apt|block|blk)\.?\s*[a-z]?\d+[a-z]?(?:[,\s]+(?:\d+\/?f|floor\s*\d+|\d+(?:st|nd|rd|th)\s+floor))?(?:[,\s]+(?:block|blk|tower)\s*[a-z0-9]+)?(?:[,\s]+\d+[a-z]?\s+(?:[a-z]+\s+){0,3}(?:rd|road|st|street|ave|avenue|lane|ln|drive|dr|way)\b\.?)?|(?<![a-z0-9])\d+[a-z]?\s+(?:[a-z]+\s+){1,3}(?:rd|road|st|street|ave|avenue|lane|ln|drive|dr|way)\b\.?)/iu

function zhAddress(clean: string): string | null {
  for (const m of clean.matchAll(ZH_ADDRESS_RE)) {
    const candidate = m[0].replace(LEAD_IN, '')
    if (STRONG.test(candidate) && [...candidate].length >= 4) return candidate
  }
  return null
}

/** The first thing in the message shaped like an address (Chinese or English), or null. */
export function findAddress(text: string): string | null {
  const clean = cleanText(text)
  return zhAddress(clean) ?? EN_ADDRESS_RE.exec(clean)?.[0].trim() ?? null
}

/** Whether the message contains something shaped like an address. */
export function looksLikeAddress(text: string): boolean {
  return findAddress(text) !== null
}
