import { z } from 'zod'
import { ConfigError, formatIssuePath } from './format-issues.js'
import { readYamlConfig } from './read-yaml-config.js'
import type { TenantFile } from './tenant-schema.js'
import type { GrowthConfig } from '../domain/growth/growth-config.js'
import type { SameType } from '../domain/type-equals.js'
import { parseCron } from '../domain/growth/cron-schedule.js'
import { delayMs } from '../domain/growth/flow-plan.js'
import { RISK_FLAGS } from '../domain/types.js'

const key = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a key of lowercase letters, digits, "-" or "_"')

const ruleWhen = z.discriminatedUnion('event', [
  /** a member joins a watched group of this type */
  z.object({ event: z.literal('joined_group'), groupType: key }).strict(),
  /** an inbound message whose text contains any of these words */
  z.object({ event: z.literal('message'), keywords: z.array(z.string().min(1)).min(1) }).strict(),
  /** a contact's message carrying a complaint signal, matched to a service case */
  z.object({ event: z.literal('complaint_case') }).strict(),
  /** checked nightly: no inbound message for this many days (counted from the first one Baton saw) */
  z.object({ event: z.literal('nightly'), silentDays: z.number().int().min(1).max(3650) }).strict(),
])

const duration = z.string().refine((d) => delayMs(d) !== null, 'expected a duration like "30m", "2h", "3d" (or "0s")')

const sopItem = z
  .object({
    key,
    /** cron-style "minute hour day-of-month month day-of-week" in the tenant's time zone */
    schedule: z.string().superRefine((s, ctx) => {
      const r = parseCron(s)
      if (!r.ok) ctx.addIssue({ code: z.ZodIssueCode.custom, message: r.error })
    }),
    text: z.string().min(1).max(2000).optional(),
    /** an approved policy/campaign knowledge entry id whose answer is posted */
    knowledge: z.string().min(1).optional(),
    automatic: z.boolean().default(false),
    window: duration.default('2h'),
  })
  .strict()
  .refine((i) => (i.text === undefined) !== (i.knowledge === undefined), { message: 'expected exactly one of text or knowledge' })

const flowStep = z
  .object({
    delay: duration.default('0s'),
    when: z.union([z.object({ hasTag: z.string().min(1) }).strict(), z.object({ notTag: z.string().min(1) }).strict(), z.object({ notReplied: z.literal(true) }).strict()]).optional(),
    action: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('send'), text: z.string().min(1).max(2000), automatic: z.boolean().default(false) }).strict(),
      z.object({ kind: z.literal('add_tag'), tag: z.string().min(1) }).strict(),
      z.object({ kind: z.literal('remove_tag'), tag: z.string().min(1) }).strict(),
      z.object({ kind: z.literal('set_stage'), stage: z.string().min(1) }).strict(),
      z.object({ kind: z.literal('task'), text: z.string().min(1).max(2000) }).strict(),
    ]),
  })
  .strict()

const flow = z
  .object({
    key,
    name: z.string().min(1),
    trigger: z.discriminatedUnion('event', [
      z.object({ event: z.literal('joined_group'), groupType: key }).strict(),
      z.object({ event: z.literal('tag_added'), tag: z.string().min(1) }).strict(),
      z.object({ event: z.literal('stage_set'), stage: z.string().min(1) }).strict(),
    ]),
    exitOnReply: z.boolean().default(false),
    steps: z.array(flowStep).min(1).max(50),
  })
  .strict()

const points = z.number().int().min(0).max(1000)

/** churn early warning: every reason's points and the threshold (see src/domain/growth/churn-score.ts) */
const churnSchema = z
  .object({
    threshold: z.number().int().min(1).max(10000),
    windowDays: z.number().int().min(1).max(365).default(14),
    silence: z.object({ afterDays: z.number().int().min(0).max(3650), perDay: points, max: points }).strict(),
    decline: z.object({ ratio: z.number().min(0).max(1), minPrevious: z.number().int().min(1), points }).strict(),
    leftTypedGroup: points,
    stalledCase: z.object({ afterDays: z.number().int().min(0).max(365), points }).strict(),
    complaint: points,
    negativeWording: z.object({ signals: z.array(z.enum(RISK_FLAGS)).default([]), points }).strict(),
    cooldownDays: z.number().int().min(0).max(3650).default(30),
    /** besides the nightly run, sweep the scores this often (the sandbox's short times); at least a minute */
    sweepEvery: duration.refine((d) => (delayMs(d) ?? 0) >= 60_000, 'expected a duration of at least "1m"').optional(),
  })
  .strict()

/** config/growth.yaml: tag dimensions, tags, tag rules and customer group types with welcomes. */
export const growthSchema = z
  .object({
    dimensions: z
      .array(
        z
          .object({
            key,
            name: z.string().min(1),
            /** a contact has at most one tag of an exclusive dimension: adding one removes the other */
            exclusive: z.boolean().default(false),
            /** the contact's stage is its tag in this dimension (at most one dimension, and an exclusive one) */
            stage: z.boolean().default(false),
          })
          .strict(),
      )
      .default([]),
    tags: z.array(z.object({ name: z.string().min(1).max(20).regex(/^\S+$/, 'expected a tag name without spaces'), dimension: key }).strict()).default([]),
    rules: z.array(z.object({ id: key, when: ruleWhen, addTag: z.string().min(1) }).strict()).default([]),
    /** when the nightly rules run, in the tenant's time zone (policy.timezone) */
    nightlyAt: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time "HH:MM"')
      .default('03:00'),
    groupTypes: z
      .array(
        z
          .object({
            key,
            name: z.string().min(1),
            /** watched customer groups of this type (group keys of the tenant file) */
            groups: z.array(z.string().min(1)).min(1),
            /** sent once to each newcomer; {name} is the newcomer's display name */
            welcome: z.string().min(1).max(1000).optional(),
            /** the type's SOP calendar: items posted to each of its groups on schedule */
            sop: z.array(sopItem).default([]),
          })
          .strict(),
      )
      .default([]),
    flows: z.array(flow).default([]),
    /** how often the SOP calendar and the flows' triggers are looked at */
    tickEvery: duration.default('1m'),
    churn: churnSchema.optional(),
    funnel: z
      .object({ conversionTags: z.array(z.string().min(1)).default([]) })
      .strict()
      .optional(),
    /** which friend requests to the bot account are accepted; hello is sent to the new friend */
    friendRequests: z
      .object({ accept: z.enum(['never', 'known_customers', 'always']), hello: z.string().min(1).max(1000).optional() })
      .strict()
      .optional(),
  })
  .strict()

// the file's shape is the domain's vocabulary: a drift between the two fails to compile
const growthMatchesDomain: SameType<z.infer<typeof growthSchema>, GrowthConfig> = true
void growthMatchesDomain
export const EMPTY_GROWTH: GrowthConfig = growthSchema.parse({})

/** Reads and validates the growth file, then checks its references against the tenant file. */
export function loadGrowth(path: string, tenant: Pick<TenantFile, 'groups'>): GrowthConfig {
  const g = readYamlConfig(path, growthSchema)
  const problems = crossCheckGrowth(g, tenant).map((p) => `${path}: ${formatIssuePath(p.path)} — ${p.expected}`)
  if (problems.length > 0) throw new ConfigError(problems)
  return g
}

export function crossCheckGrowth(g: GrowthConfig, tenant: Pick<TenantFile, 'groups'>): Array<{ path: (string | number)[]; expected: string }> {
  const out: Array<{ path: (string | number)[]; expected: string }> = []
  const dims = new Set(g.dimensions.map((d) => d.key))
  const tags = new Set<string>()
  g.dimensions.forEach((d, i) => {
    if (g.dimensions.findIndex((x) => x.key === d.key) !== i) out.push({ path: ['dimensions', i, 'key'], expected: 'a unique dimension key' })
    if (d.stage && !d.exclusive) out.push({ path: ['dimensions', i, 'stage'], expected: 'a stage dimension that is also exclusive (a contact has one stage)' })
    if (d.stage && g.dimensions.findIndex((x) => x.stage) !== i) out.push({ path: ['dimensions', i, 'stage'], expected: 'one stage dimension at most' })
  })
  g.tags.forEach((t, i) => {
    if (tags.has(t.name)) out.push({ path: ['tags', i, 'name'], expected: 'a unique tag name' })
    tags.add(t.name)
    if (!dims.has(t.dimension)) out.push({ path: ['tags', i, 'dimension'], expected: `a declared dimension key, got ${JSON.stringify(t.dimension)}` })
  })
  const types = new Set(g.groupTypes.map((t) => t.key))
  const groups = new Map(tenant.groups.map((x) => [x.key, x]))
  const typed = new Set<string>()
  g.groupTypes.forEach((t, i) => {
    t.groups.forEach((k, j) => {
      const grp = groups.get(k)
      if (!grp) out.push({ path: ['groupTypes', i, 'groups', j], expected: `a declared group key, got ${JSON.stringify(k)}` })
      else if (grp.kind !== 'customer' && grp.kind !== 'public_customer')
        out.push({ path: ['groupTypes', i, 'groups', j], expected: `a customer or public_customer group, got ${grp.kind} group ${JSON.stringify(k)}` })
      else if (typed.has(k)) out.push({ path: ['groupTypes', i, 'groups', j], expected: `a group with one type; ${JSON.stringify(k)} already has one` })
      typed.add(k)
    })
  })
  g.rules.forEach((r, i) => {
    if (g.rules.findIndex((x) => x.id === r.id) !== i) out.push({ path: ['rules', i, 'id'], expected: 'a unique rule id' })
    if (!tags.has(r.addTag)) out.push({ path: ['rules', i, 'addTag'], expected: `a declared tag name, got ${JSON.stringify(r.addTag)}` })
    if (r.when.event === 'joined_group' && !types.has(r.when.groupType)) out.push({ path: ['rules', i, 'when', 'groupType'], expected: `a declared group type key, got ${JSON.stringify(r.when.groupType)}` })
  })
  g.funnel?.conversionTags.forEach((t, i) => {
    if (!tags.has(t)) out.push({ path: ['funnel', 'conversionTags', i], expected: `a declared tag name, got ${JSON.stringify(t)}` })
  })
  out.push(...crossCheckCalendarAndFlows(g, tags, types))
  return out
}

/** SOP item keys are unique per type; flows name declared tags, group types and a stage tag. */
function crossCheckCalendarAndFlows(g: GrowthConfig, tags: Set<string>, types: Set<string>): Array<{ path: (string | number)[]; expected: string }> {
  const out: Array<{ path: (string | number)[]; expected: string }> = []
  const tag = (path: (string | number)[], name: string) => {
    if (!tags.has(name)) out.push({ path, expected: `a declared tag name, got ${JSON.stringify(name)}` })
  }
  g.groupTypes.forEach((t, i) =>
    t.sop.forEach((item, j) => {
      if (t.sop.findIndex((x) => x.key === item.key) !== j) out.push({ path: ['groupTypes', i, 'sop', j, 'key'], expected: 'a unique SOP item key within the group type' })
    }),
  )
  g.flows.forEach((f, i) => {
    if (g.flows.findIndex((x) => x.key === f.key) !== i) out.push({ path: ['flows', i, 'key'], expected: 'a unique flow key' })
    if (f.trigger.event === 'joined_group' && !types.has(f.trigger.groupType))
      out.push({ path: ['flows', i, 'trigger', 'groupType'], expected: `a declared group type key, got ${JSON.stringify(f.trigger.groupType)}` })
    if (f.trigger.event === 'tag_added') tag(['flows', i, 'trigger', 'tag'], f.trigger.tag)
    if (f.trigger.event === 'stage_set') tag(['flows', i, 'trigger', 'stage'], f.trigger.stage)
    f.steps.forEach((s, j) => {
      const a = s.action
      if (a.kind === 'add_tag' || a.kind === 'remove_tag') tag(['flows', i, 'steps', j, 'action', 'tag'], a.tag)
      if (a.kind === 'set_stage') tag(['flows', i, 'steps', j, 'action', 'stage'], a.stage)
      if (s.when && 'hasTag' in s.when) tag(['flows', i, 'steps', j, 'when', 'hasTag'], s.when.hasTag)
      if (s.when && 'notTag' in s.when) tag(['flows', i, 'steps', j, 'when', 'notTag'], s.when.notTag)
    })
  })
  return out
}
