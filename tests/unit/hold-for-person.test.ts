import { describe, expect, it } from 'vitest'
import type { Decision } from '../../src/domain/decide/decide-message.js'
import { holdWhilePersonEngaged } from '../../src/domain/decide/hold-for-person.js'

const direct: Decision = {
  mode: 'send_direct',
  caseChoice: { kind: 'existing', caseId: 3 },
  transition: null,
  items: null,
  draft: { category: 'material_received', customerKey: 'qin', riskFlags: [] },
  attention: null,
  appointment: null,
  writeback: 'material_received',
  note: 'material attached to the waiting case',
}

describe('a direct send while a person is in the conversation', () => {
  it('waits for review, flagged, with everything else of the decision kept', () => {
    const held = holdWhilePersonEngaged(direct, 'person')
    expect(held.mode).toBe('review_before_send')
    expect(held.draft?.riskFlags).toEqual(['person_engaged'])
    expect(held.writeback).toBe('material_received')
    expect(held.caseChoice).toEqual(direct.caseChoice)
    expect(held.note).toMatch(/a person is in the conversation/)
  })

  it('waits for review, flagged apart, when customer-side members were talking among themselves', () => {
    const held = holdWhilePersonEngaged(direct, 'side_talk')
    expect(held.mode).toBe('review_before_send')
    expect(held.draft?.riskFlags).toEqual(['side_talk'])
    expect(held.note).toMatch(/talking among themselves/)
  })

  it('goes out on its own when nobody is in the conversation', () => {
    expect(holdWhilePersonEngaged(direct, null)).toBe(direct)
  })

  it('leaves decisions that were never going out on their own alone', () => {
    const review: Decision = { ...direct, mode: 'review_before_send' }
    expect(holdWhilePersonEngaged(review, 'person')).toBe(review)
    const record: Decision = { ...direct, mode: 'record_only', draft: null }
    expect(holdWhilePersonEngaged(record, 'side_talk')).toBe(record)
  })
})
