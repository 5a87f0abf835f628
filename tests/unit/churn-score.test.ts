import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { growthSchema } from '../../src/config/growth-schema.js'
import { crossesThreshold, scoreChurn, silentDays, type ChurnConfig, type ChurnFacts } from '../../src/domain/growth/churn-score.js'

const DAY = 86_400_000
const now = new Date('2026-12-06T03:00:00Z')
const daysAgo = (n: number) => new Date(now.getTime() - n * DAY)

const cfg: ChurnConfig = {
  threshold: 50,
  windowDays: 14,
  silence: { afterDays: 7, perDay: 3, max: 45 },
  decline: { ratio: 0.5, minPrevious: 4, points: 20 },
  leftTypedGroup: 30,
  stalledCase: { afterDays: 3, points: 20 },
  complaint: 25,
  negativeWording: { signals: ['impatience'], points: 10 },
  cooldownDays: 30,
}
const quiet: ChurnFacts = { lastInboundAt: daysAgo(1), firstSeenAt: daysAgo(60), recentMessages: 5, previousMessages: 5, leftTypedGroups: [], stalledCases: [], complaints: 0, negativeMessages: 0 }

describe('churn score (transparent: each point has its reason)', () => {
  it('an active contact scores 0 with no reasons', () => {
    expect(scoreChurn(cfg, quiet, now)).toEqual({ score: 0, reasons: [] })
  })

  it('silence counts whole days after the grace period, capped; a contact who never wrote counts from first sight', () => {
    expect(scoreChurn(cfg, { ...quiet, lastInboundAt: daysAgo(7.5) }, now).score).toBe(0)
    expect(scoreChurn(cfg, { ...quiet, lastInboundAt: daysAgo(10) }, now).reasons).toEqual([{ code: 'silence', days: 10, points: 9 }])
    expect(scoreChurn(cfg, { ...quiet, lastInboundAt: daysAgo(200) }, now).reasons).toEqual([{ code: 'silence', days: 200, points: 45 }])
    expect(silentDays({ lastInboundAt: null, firstSeenAt: daysAgo(9) }, now)).toBe(9)
  })

  it('a decline needs enough messages before and at most the ratio now', () => {
    expect(scoreChurn(cfg, { ...quiet, previousMessages: 10, recentMessages: 5 }, now).reasons).toEqual([{ code: 'decline', recent: 5, previous: 10, points: 20 }])
    expect(scoreChurn(cfg, { ...quiet, previousMessages: 10, recentMessages: 6 }, now).score).toBe(0)
    expect(scoreChurn(cfg, { ...quiet, previousMessages: 3, recentMessages: 0 }, now).score).toBe(0)
  })

  it('sums every reason, highest points first', () => {
    const s = scoreChurn(cfg, { ...quiet, lastInboundAt: daysAgo(12), leftTypedGroups: ['members'], stalledCases: [7], complaints: 2, negativeMessages: 1 }, now)
    expect(s.reasons.map((r) => [r.code, r.points])).toEqual([
      ['left_group', 30],
      ['complaint', 25],
      ['stalled_case', 20],
      ['silence', 15],
      ['negative_wording', 10],
    ])
    expect(s.score).toBe(100)
  })

  it('a weight of 0 turns a reason off (it is not listed)', () => {
    expect(scoreChurn({ ...cfg, complaint: 0 }, { ...quiet, complaints: 3 }, now)).toEqual({ score: 0, reasons: [] })
  })

  it('the threshold opens a task, unless one was closed within the cooldown', () => {
    const high = { score: 55, reasons: [] }
    expect(crossesThreshold(cfg, { score: 49, reasons: [] }, null, now)).toBe(false)
    expect(crossesThreshold(cfg, high, null, now)).toBe(true)
    expect(crossesThreshold(cfg, high, daysAgo(29), now)).toBe(false)
    expect(crossesThreshold(cfg, high, daysAgo(30), now)).toBe(true)
  })

  it('config/growth.yaml declares weights the schema accepts, and a bad weight is refused', () => {
    const file = parse(readFileSync('config/growth.yaml', 'utf8')) as Record<string, unknown>
    const g = growthSchema.parse(file)
    expect(g.churn?.threshold).toBeGreaterThan(0)
    const bad = growthSchema.safeParse({ ...file, churn: { ...(file['churn'] as object), complaint: -5 } })
    expect(bad.success).toBe(false)
  })
})
