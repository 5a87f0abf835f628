import { describe, expect, it } from 'vitest'
import { percentile, rate, summarize } from '../../src/domain/metrics/summary-stats.js'
import { firstClearExplanation } from '../../src/domain/metrics/first-clear.js'
import fc from 'fast-check'
import { bucketIndex, bucketStarts, coverageCounts } from '../../src/domain/metrics/buckets.js'
import { computeFigures, emptyRowFacts, evidenceComplete, incompleteEvidence } from '../../src/domain/metrics/figures.js'

const H = 3_600_000
const at = (hours: number) => new Date(Date.UTC(2026, 10, 1) + hours * H)

describe('percentile (linear interpolation, as percentile_cont)', () => {
  it.each([
    [[1, 2, 3, 4], 0.5, 2.5],
    [[1, 2, 3, 4], 0.9, 3.7],
    [[4, 1, 3, 2], 0.9, 3.7], // order does not matter
    [[7], 0.5, 7],
    [[7], 0.9, 7],
    [[10, 20], 0, 10],
    [[10, 20], 1, 20],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.1],
  ])('%j at %d → %d', (xs, p, want) => {
    expect(percentile(xs, p)).toBeCloseTo(want, 10)
  })
  it('is null without samples and refuses a p outside 0..1', () => {
    expect(percentile([], 0.5)).toBeNull()
    expect(() => percentile([1], 1.5)).toThrow(RangeError)
  })
  it('summarize rounds to whole milliseconds and counts', () => {
    expect(summarize([1000, 2001])).toEqual({ median: 1501, p90: 1901, n: 2 })
    expect(summarize([])).toEqual({ median: null, p90: null, n: 0 })
  })
  it('a rate of nothing is null, not 0', () => {
    expect(rate(0, 0)).toBeNull()
    expect(rate(1, 4)).toBe(0.25)
  })
})

describe('first-clear-explanation (the customer did not ask again within 24 h)', () => {
  const p = { from: at(0), to: at(100), now: at(200) }
  it('counts one per episode and judges it by the next question', () => {
    const qs = [
      { caseId: 1, at: at(1) },
      { caseId: 1, at: at(5) }, // asked again within 24 h: episode at 1 not clear; 5 is a repeat
      { caseId: 1, at: at(40) }, // new episode, clear
      { caseId: 2, at: at(10) }, // clear: case 2's next question is 24 h later exactly
      { caseId: 2, at: at(34) }, // a new episode (24 h after), clear
    ]
    expect(firstClearExplanation(qs, p)).toEqual({ asked: 4, clear: 3 })
  })
  it('a question shortly after one before the period is a repeat; one within 24 h of now is not judged yet', () => {
    const qs = [
      { caseId: 1, at: at(-3) },
      { caseId: 1, at: at(2) },
      { caseId: 3, at: at(90) },
    ]
    expect(firstClearExplanation(qs, { ...p, now: at(110) })).toEqual({ asked: 0, clear: 0 })
    expect(firstClearExplanation(qs, { ...p, now: at(114) })).toEqual({ asked: 1, clear: 1 })
  })
  it('a follow-up after the period still counts against the episode', () => {
    expect(
      firstClearExplanation(
        [
          { caseId: 1, at: at(99) },
          { caseId: 1, at: at(110) },
        ],
        p,
      ),
    ).toEqual({ asked: 1, clear: 0 })
  })
})

describe('time buckets', () => {
  it('local days in Asia/Shanghai start at 16:00 UTC, the first at or before from', () => {
    const starts = bucketStarts(new Date('2026-11-13T00:00:00Z'), new Date('2026-11-15T00:00:00Z'), 'day', 'Asia/Shanghai')
    expect(starts.map((d) => d.toISOString())).toEqual(['2026-11-12T16:00:00.000Z', '2026-11-13T16:00:00.000Z', '2026-11-14T16:00:00.000Z'])
    const end = new Date('2026-11-15T00:00:00Z')
    expect(bucketIndex(starts, end, new Date('2026-11-13T15:59:59Z'))).toBe(0)
    expect(bucketIndex(starts, end, new Date('2026-11-13T16:00:00Z'))).toBe(1)
    expect(bucketIndex(starts, end, new Date('2026-11-15T00:00:00Z'))).toBe(-1)
    expect(bucketIndex(starts, end, new Date('2026-11-12T15:00:00Z'))).toBe(-1)
  })
  it('hours and weeks', () => {
    expect(bucketStarts(at(0.5), at(3), 'hour', 'UTC')).toHaveLength(3)
    expect(bucketStarts(new Date('2026-11-11T00:00:00Z'), new Date('2026-11-25T00:00:00Z'), 'week', 'UTC').map((d) => d.toISOString())).toEqual([
      '2026-11-09T00:00:00.000Z',
      '2026-11-16T00:00:00.000Z',
      '2026-11-23T00:00:00.000Z',
    ])
  })
})

describe('coverage counts (ranges covering each bucket)', () => {
  it('adds multiplicities over inclusive ranges and clips to 1..n', () => {
    expect(
      coverageCounts(5, [
        { lo: 1, hi: 3, count: 2 },
        { lo: 3, hi: 9, count: 1 },
        { lo: 0, hi: 1, count: 1 },
        { lo: 4, hi: 2, count: 7 },
      ]),
    ).toEqual([3, 2, 3, 1, 1])
    expect(coverageCounts(0, [{ lo: 1, hi: 1, count: 1 }])).toEqual([])
  })
  it('agrees with counting one by one', () => {
    const range = fc.record({ lo: fc.integer({ min: -2, max: 12 }), hi: fc.integer({ min: -2, max: 12 }), count: fc.integer({ min: 1, max: 3 }) })
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.array(range, { maxLength: 20 }), (n, ranges) => {
        const naive = Array.from({ length: n }, (_, i) => ranges.filter((r) => r.lo <= i + 1 && i + 1 <= r.hi).reduce((a, r) => a + r.count, 0))
        expect(coverageCounts(n, ranges)).toEqual(naive)
      }),
    )
  })
})

describe('incomplete evidence', () => {
  it('follows the completion rule of each service type', () => {
    expect(evidenceComplete('none', { hasFile: false, hasConfirmation: false })).toBe(true)
    expect(evidenceComplete('image', { hasFile: false, hasConfirmation: true })).toBe(false)
    expect(evidenceComplete('material', { hasFile: true, hasConfirmation: false })).toBe(true)
    expect(evidenceComplete('confirmation', { hasFile: false, hasConfirmation: true })).toBe(true)
    expect(evidenceComplete('confirmation', { hasFile: true, hasConfirmation: false })).toBe(true)
    expect(evidenceComplete('confirmation', { hasFile: false, hasConfirmation: false })).toBe(false)
  })
  it('cases whose type needs no proof are left out of the rate', () => {
    const rules = { after_sales: 'image', progress: 'none' } as const
    const r = incompleteEvidence(
      [
        { serviceType: 'after_sales', hasFile: false, hasConfirmation: true },
        { serviceType: 'after_sales', hasFile: true, hasConfirmation: false },
        { serviceType: 'progress', hasFile: false, hasConfirmation: false },
      ],
      (t) => rules[t as keyof typeof rules],
    )
    expect(r).toEqual({ requiring: 2, incomplete: 1 })
  })
})

describe('figures of one row', () => {
  it('adds waiting counts by state and party and computes the review pass rate per category', () => {
    const f = computeFigures(
      {
        ...emptyRowFacts(),
        waiting: [
          { state: 'waiting_partner', party: 'partner', n: 2, overdue: 1 },
          { state: 'waiting_executor', party: 'executor', n: 1, overdue: 0 },
          { state: 'waiting_customer_material', party: 'customer', n: 1, overdue: 1 },
        ],
        reviews: [
          { category: 'reminder', status: 'approved' },
          { category: 'reminder', status: 'edited' },
          { category: 'reminder', status: 'approved' },
          { category: 'material_request', status: 'taken_over' },
        ],
      },
      { from: at(0), to: at(1), now: at(2), ruleFor: () => 'none' },
    )
    expect(f.waitingNow).toEqual({ total: 4, overdue: 2, byState: { waiting_partner: 2, waiting_executor: 1, waiting_customer_material: 1 }, byParty: { partner: 2, executor: 1, customer: 1 } })
    expect(f.overdueRate).toBe(0.5)
    expect(f.review).toEqual({
      approved: 2,
      edited: 1,
      rejected: 0,
      takenOver: 1,
      passRateByCategory: { material_request: { decided: 1, approvedAsIs: 0, rate: 0 }, reminder: { decided: 3, approvedAsIs: 2, rate: 2 / 3 } },
    })
    expect(f.overdueRate).not.toBeNull()
  })
})
