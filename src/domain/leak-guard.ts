export interface LeakContext {
  /** partner staff, internal staff and partner company names */
  forbiddenNames: string[]
  /** the customer's own phone numbers (allowed) */
  allowedPhones: string[]
  allowedIds: string[]
  allowedLinkHosts: string[]
  internalJargon: string[]
  forbiddenCommitments: string[]
}

export type LeakKind = 'name' | 'phone' | 'id_number' | 'money' | 'jargon' | 'link' | 'commitment' | 'invisible_char'

export interface LeakHit {
  kind: LeakKind
  match: string
}

const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u{E0000}-\u{E007F}]/gu
const MOBILE = /(?<!\d)1[3-9]\d(?:[\s-]?\d){8}(?!\d)/g
const LANDLINE = /(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)/g
const ID_CARD = /(?<![0-9a-z])\d{17}[\dx](?![0-9a-z])/gi
const LONG_DIGITS = /(?<!\d)\d{16,19}(?!\d)/g
const MONEY = [/[¥￥$]\s*\d[\d,]*(?:\.\d+)?/g, /\d[\d,]*(?:\.\d+)?\s*(?:元|块|rmb|人民币|美元|万元?)/gi, /(?:rmb|cny|usd)\s*\d[\d,]*(?:\.\d+)?/gi, /[零一二两三四五六七八九十百千万]+\s*(?:元|块)(?:钱)?/g]
// scheme links, www., bare domains with a common TLD, and any short domain followed by a path
const LINK =
  /(?:https?:\/\/[^\s，。]+|www\.[^\s，。]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|io|me|cc|top|xyz|ly|co|app|link|vip|shop|info|biz|site|online)\b[^\s，。]*|\b[a-z][a-z0-9-]*\.[a-z]{2,6}\/[^\s，。]+)/gi

const digitsOf = (s: string) => s.replace(/\D/g, '')

/**
 * Checks a customer-visible text before it can be sent, whatever produced it. Full-width forms
 * are normalized first (NFKC) so "１３８…" is still a phone number; invisible characters are
 * reported from the raw text.
 */
export function checkLeak(raw: string, ctx: LeakContext): { ok: boolean; hits: LeakHit[] } {
  const hits: LeakHit[] = []
  const invisible = raw.match(INVISIBLE)
  if (invisible) hits.push({ kind: 'invisible_char', match: [...new Set(invisible)].map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).join(' ') })
  const text = raw.normalize('NFKC').replace(INVISIBLE, '')
  const lower = text.toLowerCase()

  for (const name of ctx.forbiddenNames) if (name.length > 0 && text.includes(name)) hits.push({ kind: 'name', match: name })
  const allowedPhones = new Set(ctx.allowedPhones.map(digitsOf))
  for (const m of text.match(MOBILE) ?? []) if (!allowedPhones.has(digitsOf(m))) hits.push({ kind: 'phone', match: m })
  for (const m of text.match(LANDLINE) ?? []) if (!allowedPhones.has(digitsOf(m))) hits.push({ kind: 'phone', match: m })
  const allowedIds = new Set(ctx.allowedIds)
  for (const m of text.match(ID_CARD) ?? []) if (!allowedIds.has(m)) hits.push({ kind: 'id_number', match: m })
  // card-like digit runs, unless already reported as (part of) an ID card number
  for (const m of text.match(LONG_DIGITS) ?? []) if (!allowedIds.has(m) && !hits.some((h) => h.kind === 'id_number' && h.match.includes(m))) hits.push({ kind: 'id_number', match: m })
  for (const rx of MONEY) for (const m of text.match(rx) ?? []) hits.push({ kind: 'money', match: m.trim() })
  for (const j of ctx.internalJargon) if (j.length > 0 && lower.includes(j.toLowerCase())) hits.push({ kind: 'jargon', match: j })
  for (const c of ctx.forbiddenCommitments) if (c.length > 0 && lower.includes(c.toLowerCase())) hits.push({ kind: 'commitment', match: c })
  for (const m of text.match(LINK) ?? []) if (!linkAllowed(m, ctx.allowedLinkHosts)) hits.push({ kind: 'link', match: m })
  return { ok: hits.length === 0, hits }
}

function linkAllowed(link: string, hosts: readonly string[]): boolean {
  const host = link
    .replace(/^https?:\/\//i, '')
    .split(/[/?#:]/)[0]!
    .toLowerCase()
  return hosts.some((h) => host === h.toLowerCase() || host.endsWith(`.${h.toLowerCase()}`))
}

/** Short English codes for logs: "phone×1, money×2". */
export function describeHits(hits: readonly LeakHit[]): string {
  const counts = new Map<string, number>()
  for (const h of hits) counts.set(h.kind, (counts.get(h.kind) ?? 0) + 1)
  return [...counts].map(([k, n]) => `${k}×${n}`).join(', ')
}
