import { z } from 'zod'
import { GROUP_KINDS, ROLES, SERVICE_TYPES } from '../domain/types.js'
import { ordersSchema } from './orders-schema.js'

const key = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a key of lowercase letters, digits, "-" or "_"')

/** A WeCom room id as puppets report it; mock and real ids contain "@" (e.g. `…@chatroom`). */
const roomId = z.string().min(3).regex(/@/, 'expected a WeCom room id containing "@"')

export const groupSchema = z
  .object({
    key,
    id: roomId.optional(),
    topic: z.string().min(1).optional(),
    kind: z.enum(GROUP_KINDS),
    /** keys of the tenant's WeCom accounts that sit in this group (README, "Several WeCom accounts") */
    accounts: z.array(key).min(1).optional(),
  })
  .strict()
  .refine((g) => g.id !== undefined || g.topic !== undefined, {
    message: 'expected "id" (WeCom room id) or "topic" (when no id is known)',
  })

export const personSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    roles: z.array(z.enum(ROLES)).min(1),
    phone: z
      .string()
      .regex(/^\+?[0-9-]{5,20}$/)
      .optional(),
  })
  .strict()

export const customerSchema = z
  .object({
    key,
    name: z.string().min(1),
    aliases: z.array(z.string().min(1)).default([]),
    orderNumbers: z.array(z.string().min(3)).default([]),
    phoneTail: z
      .string()
      .regex(/^[0-9]{4}$/, 'expected the last 4 digits of a phone number')
      .optional(),
    group: key,
    contact: z.string().min(1),
    executor: z.string().min(1).optional(),
    serviceType: z.enum(SERVICE_TYPES).optional(),
  })
  .strict()

export const partnerSchema = z
  .object({
    key,
    name: z.string().min(1),
    group: key,
    staff: z.array(z.string().min(1)).default([]),
  })
  .strict()

/** One WeCom service account the tenant runs (one bot process each). */
export const accountSchema = z
  .object({
    key,
    /** the account's own contact id, as the puppet reports it on login */
    wecomId: z.string().min(1),
    displayName: z.string().min(1),
  })
  .strict()

export const outboundSchema = z
  .object({
    /** Max sends per group per minute (WeCom throttles accounts that send too fast). */
    perGroupPerMinute: z.number().int().positive().default(20),
    /** Max sends per bot account per minute, across all groups. */
    perAccountPerMinute: z.number().int().positive().default(60),
    attempts: z.number().int().min(1).max(20).default(5),
    backoffMs: z.number().int().min(10).default(2000),
  })
  .strict()
  .default({})

export const tenantSchema = z
  .object({
    tenant: z
      .object({
        name: z.string().min(1),
        /** The bot account's own contact id and name in the sandbox (real puppets report it). */
        bot: z
          .object({ id: z.string().min(1), name: z.string().min(1) })
          .strict()
          .optional(),
      })
      .strict(),
    /** several WeCom accounts; absent: the one account of `tenant.bot` (key `default`) */
    accounts: z.array(accountSchema).min(1).optional(),
    groups: z.array(groupSchema).min(1),
    people: z.array(personSchema).default([]),
    customers: z.array(customerSchema).default([]),
    partners: z.array(partnerSchema).default([]),
    policy: z.record(z.unknown()).default({}),
    outbound: outboundSchema,
    review: z
      .object({
        /** also send each review notice to the case owner by direct message */
        notifyOwnerByDm: z.boolean().default(false),
      })
      .strict()
      .default({}),
    /** the shop's order service Baton may read (README, "Order lookup"); absent: no lookups */
    orders: ordersSchema,
    paths: z
      .object({ lexicon: z.string().optional(), knowledge: z.string().optional(), wording: z.string().optional(), understanding: z.string().optional(), growth: z.string().optional() })
      .strict()
      .default({}),
  })
  .strict()

export type TenantFile = z.infer<typeof tenantSchema>
export type GroupConfig = z.infer<typeof groupSchema>
export type PersonConfig = z.infer<typeof personSchema>
export type CustomerConfig = z.infer<typeof customerSchema>
export type PartnerConfig = z.infer<typeof partnerSchema>
export type AccountConfig = z.infer<typeof accountSchema>
export type OutboundConfig = z.infer<typeof outboundSchema>
