import type { CaseRecord, DraftRecord, DraftStatus } from './case-record.js'
import type { CaseState, Party } from '../domain/types.js'
import type { EvidenceView } from './store.js'

/** Filters of the case list (API and console); every field narrows, none widens. */
export interface CaseSearch {
  state?: CaseState
  party?: Party
  owner?: string
  overdue?: boolean
  open?: boolean
  /** the customer's group or the partner's group */
  group?: string
  partner?: string
  limit: number
  offset: number
  now: Date
}

/** A draft with the internal source text it came from (for reviewers only). */
/** A draft with the message it answers: its text, who said it and in which group (null for a direct chat). */
export type DraftWithSource = DraftRecord & { original: string | null; sourceTalker: string | null; sourceGroup: string | null }

/** Read-only queries behind the HTTP API's case and draft lists. */
export interface CaseBrowser {
  searchCases(q: CaseSearch): Promise<{ items: CaseRecord[]; total: number }>
  timeline(caseId: number): Promise<EvidenceView[]>
  drafts(f: { status?: DraftStatus; caseId?: number; id?: number; limit: number }): Promise<DraftWithSource[]>
}
