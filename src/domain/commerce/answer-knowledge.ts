import type { AnswerEntry } from '../knowledge.js'
import type { ServiceType } from '../types.js'
import { localDay } from '../local-day.js'

/** A knowledge entry a draft used, as drafts and the evidence record it. */
export interface KnowledgeUse {
  id: string
  version: number
  hash: string
  kind: 'template' | 'evergreen' | 'campaign'
}

export interface KnowledgeMatch {
  /** entries in force today whose questions the text asks */
  live: AnswerEntry[]
  /** campaign entries the text asks about that have ended (or not yet begun) */
  outOfDate: AnswerEntry[]
  /** the text speaks of a campaign ("活动", "优惠") */
  campaignWords: boolean
}

/** Case and width folded, spaces and punctuation ignored: "七天 无理由" finds "七天无理由". */
const fold = (s: string): string =>
  s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]/gu, '')

/**
 * Which policy and campaign entries a customer's text asks about, on the tenant's calendar day.
 * A campaign outside its dates is never live: it can only be reported as out of date.
 */
export function matchKnowledge(text: string, k: { entries: readonly AnswerEntry[]; campaignWords: readonly string[] }, serviceType: ServiceType | null, now: Date, timeZone: string): KnowledgeMatch {
  const t = fold(text)
  const day = localDay(now, timeZone)!
  const asked = k.entries.filter((e) => e.questions.some((q) => t.includes(fold(q))) && (!e.serviceTypes || e.serviceTypes.length === 0 || serviceType === null || e.serviceTypes.includes(serviceType)))
  const inDates = (e: AnswerEntry) => (!e.validFrom || e.validFrom.slice(0, 10) <= day) && (!e.validTo || day <= e.validTo.slice(0, 10))
  return {
    live: asked.filter(inDates),
    outOfDate: asked.filter((e) => !inDates(e)),
    campaignWords: k.campaignWords.some((w) => t.includes(fold(w))),
  }
}

export function knowledgeUse(e: AnswerEntry): KnowledgeUse {
  return { id: e.id, version: e.version, hash: e.hash, kind: e.kind }
}
