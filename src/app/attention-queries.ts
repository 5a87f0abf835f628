import type { Wording } from '../config/load-wording-dir.js'
import { label } from './case-facts-text.js'
import type { Directory } from './directory.js'
import { actorName } from './evidence-sentence.js'

/** An attention item as stored (see migrations/1764001100000-attention.ts). */
export interface AttentionRecord {
  id: number
  messageId: number
  caseId: number | null
  customerKey: string | null
  groupKey: string | null
  talkerId: string
  reasons: string[]
  /** the original message: for the team only, never for customers */
  text: string
  notified: boolean
  createdAt: Date
  clearedAt: Date | null
  clearedBy: string | null
  clearNote: string | null
}

/**
 * An attention item as the team reads it: names resolved from the directory and the reasons
 * labelled in Chinese from the wording, so the API and the console show what the chat notice
 * says. A name the directory does not know falls back to its key (an id is better than nothing).
 */
export interface AttentionView extends AttentionRecord {
  /** the group's topic; null for a direct chat */
  groupName: string | null
  /** the group's kind (customer, partner…): a reply goes only to a customer group */
  groupKind: string | null
  speakerName: string
  customerName: string | null
  reasonLabels: string[]
  /** who cleared it, by name (null while open) */
  clearedByName: string | null
}

/** Read-only queries behind the attention queue (API and console). Never writes. */
export interface AttentionQueries {
  /** open (not yet cleared) items, newest first (oldest first on request: the queue a person works through); only those of one case when `caseId` is given */
  listOpen(opts: { limit: number; caseId?: number; oldestFirst?: boolean }): Promise<AttentionView[]>
  /** how many items are open (of one case when `caseId` is given), beyond any list limit */
  countOpen(opts?: { caseId?: number }): Promise<number>
  /** one item, open or cleared; null when there is none */
  get(id: number): Promise<AttentionView | null>
}

export function toAttentionView(deps: { directory: Directory; wording: Wording }, r: AttentionRecord): AttentionView {
  const { directory, wording } = deps
  return {
    ...r,
    groupName: r.groupKey ? (directory.group(r.groupKey)?.topic ?? r.groupKey) : null,
    groupKind: r.groupKey ? (directory.group(r.groupKey)?.kind ?? null) : null,
    speakerName: directory.person(r.talkerId)?.name ?? r.talkerId,
    customerName: r.customerKey ? (directory.customer(r.customerKey)?.name ?? r.customerKey) : null,
    reasonLabels: r.reasons.map((f) => label(wording, 'riskFlags', f)),
    clearedByName: r.clearedBy ? actorName(deps, r.clearedBy) : null,
  }
}
