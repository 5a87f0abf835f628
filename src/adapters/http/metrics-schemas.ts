import { z } from 'zod'
import { GROUP_BYS } from '../../app/metrics/metrics-ports.js'

/** Request and response shapes of the metrics and knowledge routes (API-CONTRACT.md). */

const instant = z.string().datetime({ offset: true, message: 'expected an ISO 8601 date-time, e.g. 2026-11-20T00:00:00Z' })

export const MAX_PERIOD_DAYS = 366

export const metricsQuerySchema = z.object({
  from: instant.optional(),
  to: instant.optional(),
  groupBy: z.enum(GROUP_BYS).default('none'),
})

export const seriesQuerySchema = z.object({
  from: instant.optional(),
  to: instant.optional(),
  bucket: z.enum(['hour', 'day', 'week']).default('day'),
})

const duration = z.object({ median: z.number().nullable(), p90: z.number().nullable(), n: z.number().int() })
const reviewCounts = { approved: z.number().int(), edited: z.number().int(), rejected: z.number().int(), takenOver: z.number().int() }

export const figuresSchema = z.object({
  waitingNow: z.object({ total: z.number().int(), overdue: z.number().int(), byState: z.record(z.number().int()), byParty: z.record(z.number().int()) }),
  overdueRate: z.number().nullable(),
  partnerToDeliveryMs: duration,
  completionToWritebackMs: duration,
  review: z.object({ ...reviewCounts, passRateByCategory: z.record(z.object({ decided: z.number().int(), approvedAsIs: z.number().int(), rate: z.number().nullable() })) }),
  wrongSends: z.number().int(),
  missedSends: z.number().int(),
  repeatedReminders: z.number().int(),
  firstClearExplanationRate: z.number().nullable(),
  incompleteEvidenceRate: z.number().nullable(),
  knowledgeUpdates: z.number().int().nullable(),
})

export const metricsResponseSchema = z.object({
  from: z.string().datetime(),
  to: z.string().datetime(),
  groupBy: z.enum(GROUP_BYS),
  rows: z.array(z.object({ key: z.string().nullable(), label: z.string().nullable(), figures: figuresSchema })),
  definitions: z.record(z.string()),
})

export const seriesResponseSchema = z.object({
  buckets: z.array(
    z.object({
      start: z.string().datetime(),
      waiting: z.number().int(),
      overdueRate: z.number().nullable(),
      deliveryMedianMs: z.number().nullable(),
      writebackMedianMs: z.number().nullable(),
      review: z.object(reviewCounts),
    }),
  ),
})

export const knowledgeListSchema = z.object({
  items: z.array(z.object({ key: z.string(), text: z.string(), version: z.number().int(), updatedAt: z.string().datetime() })),
})

export const knowledgeReloadSchema = z.object({ changed: z.array(z.string()), versions: z.record(z.number().int()) })

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.unknown()).optional() }).passthrough(),
})
