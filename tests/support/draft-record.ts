import type { DraftRecord } from '../../src/app/case-record.js'

/**
 * A draft as tests insert it: pending, for review, from no template and no message, unless the
 * test says otherwise. Only the case, group, text and time differ between most tests.
 */
export function draftRecord(d: Pick<DraftRecord, 'caseId' | 'targetGroupKey' | 'createdAt'> & Partial<Omit<DraftRecord, 'id'>>): Omit<DraftRecord, 'id'> {
  return {
    category: 'material_request',
    text: '请补发票',
    mode: 'review_before_send',
    status: 'pending',
    riskFlags: [],
    riskDetails: {},
    candidates: [],
    templateId: null,
    templateVersion: null,
    templateHash: null,
    sourceMessageId: null,
    decidedBy: null,
    decidedAt: null,
    finalText: null,
    decisionNote: null,
    ...d,
  }
}
