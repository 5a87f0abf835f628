import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { computeMetrics, computeSeries, type MetricsDeps } from '../../src/app/metrics/compute-metrics.js'
import { sqlMetricsQueries } from '../../src/adapters/db/metrics-queries.js'
import { sqlStatsQueries } from '../../src/adapters/db/stats-queries.js'
import { buildServices } from '../../src/main/build-services.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { HOUR, NOW, PERIOD_END, PERIOD_START, seedMetricsWeek } from '../support/metrics-seed.js'

describe('metrics computed from recorded facts (seeded week, real PostgreSQL)', () => {
  let hs: SandboxHarness
  let deps: MetricsDeps
  const period = { from: PERIOD_START, to: PERIOD_END, now: NOW }

  beforeAll(async () => {
    hs = await startSandbox({ roles: ['api'] })
    await seedMetricsWeek(hs.runtime.ds)
    const { services, wording } = buildServices(hs.tenant, hs.runtime.directory)
    deps = { metrics: sqlMetricsQueries(hs.runtime.ds), proofRuleFor: (t) => services.proofRuleFor(t), wording }
  })
  afterAll(async () => {
    await hs?.close()
  })

  it('computes every figure of the week with the known answers', async () => {
    const r = await computeMetrics(deps, { ...period, groupBy: 'none' })
    expect(r.rows).toHaveLength(1)
    const f = r.rows[0]!.figures
    expect(r.rows[0]!.key).toBeNull()
    expect(f.waitingNow).toEqual({
      total: 3,
      overdue: 2,
      byState: { waiting_customer_material: 1, waiting_partner: 1, waiting_executor: 1 },
      byParty: { customer: 1, partner: 1, executor: 1 },
    })
    expect(f.overdueRate).toBeCloseTo(2 / 3, 10)
    // partner request → delivery: 0.5 h, 1 h, 2 h, 3 h
    expect(f.partnerToDeliveryMs).toEqual({ median: 1.5 * HOUR, p90: 2.7 * HOUR, n: 4 })
    // customer completion → write-back: 2, 10, 30 minutes
    expect(f.completionToWritebackMs).toEqual({ median: 10 * 60_000, p90: 26 * 60_000, n: 3 })
    expect(f.review).toEqual({
      approved: 3,
      edited: 1,
      rejected: 1,
      takenOver: 1,
      passRateByCategory: {
        coordination_request: { decided: 1, approvedAsIs: 1, rate: 1 },
        material_request: { decided: 4, approvedAsIs: 2, rate: 0.5 },
        proof_request: { decided: 1, approvedAsIs: 0, rate: 0 },
      },
    })
    expect(f.wrongSends).toBe(1)
    expect(f.missedSends).toBe(1)
    expect(f.repeatedReminders).toBe(3)
    expect(f.firstClearExplanationRate).toBeCloseTo(4 / 5, 10)
    // after_sales and material need a photo, appointment a confirmation: c4 ok, c5 missing, c7 ok
    expect(f.incompleteEvidenceRate).toBeCloseTo(1 / 3, 10)
    expect(f.knowledgeUpdates).toBe(3)
    expect(Object.keys(r.definitions).sort()).toEqual(Object.keys(f).sort())
    for (const text of Object.values(r.definitions)) expect(text.length).toBeGreaterThan(10)
  })

  it('per customer group: waiting, reviews and evidence split by the case’s group, with the group’s name', async () => {
    const r = await computeMetrics(deps, { ...period, groupBy: 'group' })
    expect(r.rows.map((x) => [x.key, x.label])).toEqual([
      ['cust-zhang', '张先生·空调安装服务群'],
      ['cust-zhao', '赵女士·售后服务群'],
    ])
    const [zhang, zhao] = r.rows.map((x) => x.figures)
    expect(zhang!.waitingNow.total).toBe(2)
    expect(zhang!.overdueRate).toBe(1)
    expect(zhao!.waitingNow.total).toBe(1)
    expect(zhao!.overdueRate).toBe(0)
    expect(zhang!.partnerToDeliveryMs).toEqual({ median: 1.5 * HOUR, p90: 1.9 * HOUR, n: 2 })
    expect(zhao!.partnerToDeliveryMs).toEqual({ median: 1.75 * HOUR, p90: 2.75 * HOUR, n: 2 })
    expect(zhang!.incompleteEvidenceRate).toBe(0.5) // c5 missing, c7 confirmed
    expect(zhao!.incompleteEvidenceRate).toBe(0) // c4 had its photo
    expect(zhang!.firstClearExplanationRate).toBe(1) // c1 ×2, c3
    expect(zhao!.firstClearExplanationRate).toBe(0.5) // c2
    expect(zhang!.knowledgeUpdates).toBeNull() // knowledge is tenant-wide
  })

  it('per handler: review outcomes belong to the reviewer, waiting cases to the owner', async () => {
    const r = await computeMetrics(deps, { ...period, groupBy: 'handler' })
    const byKey = new Map(r.rows.map((x) => [x.key, x]))
    const wang = byKey.get('wx-handler-wang')!
    const chen = byKey.get('wx-handler-chen')!
    expect(wang.label).toBe('王小美')
    expect(wang.figures.review).toMatchObject({ approved: 2, edited: 0, rejected: 1, takenOver: 0 })
    expect(chen.figures.review).toMatchObject({ approved: 1, edited: 1, rejected: 0, takenOver: 1 })
    expect(wang.figures.waitingNow.total).toBe(2) // c1, c3
    expect(chen.figures.waitingNow.total).toBe(1) // c2
    expect(wang.figures.wrongSends).toBe(1) // wang approved d2
    expect(wang.figures.missedSends).toBe(1) // c3's draft expired; c3 is wang's
    // c6 has no owner: its row has no key
    expect(r.rows.at(-1)!.key).toBeNull()
  })

  it('per partner: facts of cases without a partner land in the unattributed row', async () => {
    const r = await computeMetrics(deps, { ...period, groupBy: 'partner' })
    expect(r.rows.map((x) => [x.key, x.label])).toEqual([
      ['anxin', '安心安装服务'],
      [null, null],
    ])
    expect(r.rows[0]!.figures.waitingNow.total).toBe(2)
    expect(r.rows[1]!.figures.waitingNow.total).toBe(1)
    expect(r.rows[0]!.figures.repeatedReminders).toBe(2)
    expect(r.rows[1]!.figures.repeatedReminders).toBe(1)
  })

  it('an empty period has rates of nothing as null, not 0', async () => {
    const r = await computeMetrics(deps, { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-01-08T00:00:00Z'), now: NOW, groupBy: 'none' })
    const f = r.rows[0]!.figures
    expect(f.partnerToDeliveryMs).toEqual({ median: null, p90: null, n: 0 })
    expect(f.firstClearExplanationRate).toBeNull()
    expect(f.incompleteEvidenceRate).toBeNull()
    expect(f.missedSends).toBe(0)
    expect(f.knowledgeUpdates).toBe(0)
    expect(f.waitingNow.total).toBe(3) // "now" does not depend on the period
  })

  it('series: local days (Asia/Shanghai), waiting rebuilt from the evidence trail at each day’s end', async () => {
    const { buckets } = await computeSeries(deps, { ...period, bucket: 'day', timezone: 'Asia/Shanghai' })
    expect(buckets.map((b) => b.start.toISOString())).toEqual([
      '2026-11-12T16:00:00.000Z',
      '2026-11-13T16:00:00.000Z',
      '2026-11-14T16:00:00.000Z',
      '2026-11-15T16:00:00.000Z',
      '2026-11-16T16:00:00.000Z',
      '2026-11-17T16:00:00.000Z',
      '2026-11-18T16:00:00.000Z',
      '2026-11-19T16:00:00.000Z',
    ])
    // ends at h16, h40, h64: c1 snoozed to h40; c2 due h26; c4 waiting h30..h50
    expect(buckets.slice(0, 3).map((b) => [b.waiting, b.overdueRate])).toEqual([
      [1, 0],
      [3, 1 / 3],
      [2, 1],
    ])
    expect(buckets[0]!.deliveryMedianMs).toBe(HOUR) // d1
    expect(buckets[1]!.deliveryMedianMs).toBe(1.75 * HOUR) // d2 3 h, d3 0.5 h
    expect(buckets[4]!.deliveryMedianMs).toBe(2 * HOUR) // d4
    expect(buckets[2]!.deliveryMedianMs).toBeNull()
    // `from` is rounded down to the start of its local day: h-8 .. h16 is the first bucket, so the
    // write-back at h-6 (99 min) and d5 (sent h-4, decided h-4.5) belong to it
    expect(buckets[0]!.writebackMedianMs).toBe(99 * 60_000)
    expect(buckets[1]!.writebackMedianMs).toBe(10 * 60_000) // h24
    expect(buckets[2]!.writebackMedianMs).toBe(16 * 60_000) // h41 30 min, h55 2 min
    expect(buckets[0]!.review).toEqual({ approved: 2, edited: 0, rejected: 0, takenOver: 0 })
    const total = buckets.reduce(
      (a, b) => ({ approved: a.approved + b.review.approved, edited: a.edited + b.review.edited, rejected: a.rejected + b.review.rejected, takenOver: a.takenOver + b.review.takenOver }),
      { approved: 0, edited: 0, rejected: 0, takenOver: 0 },
    )
    expect(total).toEqual({ approved: 4, edited: 1, rejected: 1, takenOver: 1 })
  })

  it('/stats reads the same facts: missed sends, first-clear and evidence facts of the period', async () => {
    const headline = await sqlStatsQueries(hs.runtime.ds).headline(period)
    expect(headline.facts.missedSends).toBe(1)
    expect(headline.facts.completions).toHaveLength(4)
    // every customer-side question from 24 h before the period to 24 h after it (not the handler's or the partner's)
    expect(headline.facts.progressQuestions).toHaveLength(8)
  })
})
