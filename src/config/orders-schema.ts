import { JSONPath } from 'jsonpath-plus'
import { z } from 'zod'
import { ORDER_FIELDS, ORDER_STATUSES } from '../domain/commerce/order-facts.js'

/** A JSONPath into the order service's answer (`$.data.status`, `$.data.items[*].title`). */
const jsonPath = z.string().refine(
  (p) => {
    try {
      return p.startsWith('$') && JSONPath.toPathArray(p).length > 1
    } catch {
      return false
    }
  },
  { message: 'expected a JSONPath starting with "$" (e.g. "$.data.status")' },
)

/**
 * `orders.lookup` in the tenant file: the shop's order service Baton may read (never write).
 * See README, "Order lookup" for the contract.
 */
export const orderLookupSchema = z
  .object({
    /** GET this URL; `{order_no}` is replaced by the URL-encoded order number */
    url: z
      .string()
      .url()
      .refine((u) => u.includes('{order_no}'), { message: 'expected the placeholder {order_no} in the URL' })
      .refine((u) => /^(https?|sandbox):/.test(u), { message: 'expected an http(s) URL (or sandbox://, served by the sandbox only)' }),
    /** the header carrying the credential; its value is read from the environment variable `env`, never from this file */
    auth: z
      .object({
        header: z
          .string()
          .regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name')
          .default('Authorization'),
        env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name (A-Z, 0-9, _)'),
        /** put before the value, e.g. "Bearer" */
        scheme: z
          .string()
          .regex(/^[A-Za-z0-9-]+$/)
          .optional(),
      })
      .strict()
      .optional(),
    /** a slower answer counts as a failure: the question goes to a person */
    timeoutMs: z.number().int().min(100).max(30_000).default(3000),
    /** how long an answer is reused for the same order (0: never) */
    cacheTtlMs: z.number().int().min(0).max(3_600_000).default(60_000),
    /** lookups per minute at most, across Baton's processes (the order service is the shop's, not ours) */
    perMinute: z.number().int().min(1).max(100_000).default(60),
    fields: z.object({ status: jsonPath, carrier: jsonPath.optional(), trackingNo: jsonPath.optional(), eta: jsonPath.optional(), items: jsonPath.optional() }).strict(),
    /** the order service's status codes → Baton's statuses; a code not listed goes to a person */
    statuses: z.record(z.string().min(1), z.enum(ORDER_STATUSES)).refine((m) => Object.keys(m).length > 0, { message: 'expected at least one status code' }),
    /** what a customer may be told; the rest is only in the evidence trail */
    customerVisible: z.array(z.enum(ORDER_FIELDS)).default(['status', 'carrier', 'trackingNo', 'eta']),
  })
  .strict()

export const ordersSchema = z.object({ lookup: orderLookupSchema.optional() }).strict().default({})

export type OrderLookupConfig = z.infer<typeof orderLookupSchema>
