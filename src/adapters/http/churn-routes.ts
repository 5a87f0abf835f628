import Router from '@koa/router'
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi'
import type { ApiToken } from '../../config/api-tokens.js'
import type { ChurnDeps } from '../../app/growth/churn-deps.js'
import type { Directory } from '../../app/directory.js'
import type { ChurnTaskView } from '../../app/growth/churn-ports.js'
import { closeChurnTask } from '../../app/growth/close-churn-task.js'
import { AppError } from '../../app/errors.js'
import { CHURN_OUTCOMES } from '../../domain/growth/churn-score.js'
import { actorIdOf, requireRole, type TokenBook } from './auth.js'
import { idParam } from './api-schemas.js'
import { errorResponses, SECURED, z } from './openapi.js'
import { validate } from './validate.js'

const DAY = 86_400_000
/** funnels and churn weeks look back this many weeks unless told */
const DEFAULT_WEEKS = 12

const taskListQuery = z.object({
  status: z.enum(['open', 'closed', 'all']).default('open'),
  owner: z.string().min(1).max(80).optional().openapi({ description: 'only tasks of this owner (a person id)' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
})
const closeBody = z.object({ outcome: z.enum(CHURN_OUTCOMES), note: z.string().trim().min(1).max(500).optional() }).strict()
const weeksQuery = z.object({ weeks: z.coerce.number().int().min(1).max(104).default(DEFAULT_WEEKS) })

const reasonSchema = z.object({ code: z.string(), points: z.number() }).passthrough().openapi('ChurnReason')
const taskSchema = z
  .object({
    id: z.number().int(),
    contactId: z.number().int(),
    contactName: z.string(),
    ownerId: z.string().nullable(),
    ownerName: z.string().nullable().openapi({ description: "the owner's name in the tenant file (null: the team)" }),
    score: z.number().int(),
    reasons: z.array(reasonSchema),
    openedAt: z.string(),
    closedAt: z.string().nullable(),
    closedBy: z.string().nullable(),
    outcome: z.enum(CHURN_OUTCOMES).nullable(),
    closeNote: z.string().nullable(),
  })
  .openapi('ChurnTask')
const taskEventSchema = z.object({ kind: z.enum(['opened', 'closed']), actor: z.string(), detail: z.record(z.unknown()), at: z.string() }).openapi('ChurnTaskEvent')
const funnelSchema = z
  .object({
    week: z.string().openapi({ description: 'ISO week of first sight, e.g. 2026-W49' }),
    groupType: z.string().nullable().openapi({ description: 'null: every new contact; else joined a group of this type' }),
    newContacts: z.number().int(),
    firstInteraction: z.number().int(),
    joinedTypedGroup: z.number().int(),
    converted: z.number().int(),
  })
  .openapi('FunnelRow')
const churnWeekSchema = z
  .object({ week: z.string(), opened: z.number().int(), closed: z.number().int(), outcomes: z.object({ retained: z.number().int(), lost: z.number().int(), no_risk: z.number().int() }) })
  .openapi('ChurnWeek')

const rate = (what: string) =>
  z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .openapi({ description: `${what} (0..1); null when there was nothing to count` })
const sopWeekSchema = z
  .object({
    week: z.string().openapi({ description: 'ISO week of the due time, e.g. 2026-W49' }),
    groupType: z.string(),
    groupTypeName: z.string().openapi({ description: "the type's name in config/growth.yaml (its key when no longer declared)" }),
    due: z.number().int(),
    sent: z.number().int(),
    onTime: z.number().int().openapi({ description: 'sent within the item’s window' }),
    missed: z.number().int(),
    failed: z.number().int(),
    awaitingReview: z.number().int(),
    pending: z.number().int(),
    onTimeRate: rate('on time among sent, missed and failed'),
  })
  .openapi('SopWeek')
const flowWeekSchema = z
  .object({
    week: z.string().openapi({ description: 'ISO week the runs started' }),
    flowKey: z.string(),
    flowName: z.string().openapi({ description: "the flow's name in config/growth.yaml (its key when no longer declared)" }),
    started: z.number().int(),
    completed: z.number().int(),
    exited: z.number().int().openapi({ description: 'left the flow (the contact replied, or was lost)' }),
    running: z.number().int(),
    completionRate: rate('completed among the runs that ended (completed or exited)'),
  })
  .openapi('FlowWeek')

const iso = (d: Date | null) => (d ? d.toISOString() : null)
const taskView = (t: ChurnTaskView, directory: Directory): z.infer<typeof taskSchema> => ({
  ...t,
  ownerName: t.ownerId === null ? null : (directory.person(t.ownerId)?.name ?? t.ownerId),
  openedAt: t.openedAt.toISOString(),
  closedAt: iso(t.closedAt),
})

/**
 * Churn intervention tasks and the growth funnels under /api/v1: reading needs viewer, closing a
 * task handler (the same use case as `/churn close` in chat; who closed is the token's person).
 */
export function churnRoutes(deps: { tokens: readonly ApiToken[] | TokenBook; churn: ChurnDeps }): Router {
  const router = new Router({ prefix: '/api/v1' })
  const viewer = requireRole(deps.tokens, 'viewer')
  const handler = requireRole(deps.tokens, 'handler')
  const since = (weeks: number) => {
    const now = deps.churn.clock.now()
    return { from: new Date(now.getTime() - weeks * 7 * DAY), to: new Date(now.getTime() + DAY) }
  }

  router.get('/churn/tasks', viewer, async (ctx) => {
    const q = validate(taskListQuery, ctx.query)
    const page = await deps.churn.churn.listTasks({ status: q.status, ...(q.owner !== undefined ? { ownerId: q.owner } : {}), limit: q.limit, offset: q.offset })
    ctx.body = { items: page.items.map((t) => taskView(t, deps.churn.directory)), total: page.total }
  })
  router.get('/churn/tasks/:id', viewer, async (ctx) => {
    const { id } = validate(idParam, ctx.params)
    const task = await deps.churn.churn.task(id)
    if (!task) throw new AppError('not_found', `churn task ${id} does not exist`, { entity: 'churn_task' })
    ctx.body = { task: taskView(task, deps.churn.directory), events: (await deps.churn.churn.taskEvents(id)).map((e) => ({ ...e, at: e.at.toISOString() })) }
  })
  router.post('/churn/tasks/:id/close', handler, async (ctx) => {
    const { id } = validate(idParam, ctx.params)
    const body = validate(closeBody, ctx.request.body)
    const r = await closeChurnTask(deps.churn, id, body.outcome, actorIdOf(ctx, deps.churn.directory), body.note ?? null)
    if (r.kind === 'already_closed') throw new AppError('conflict', `churn task ${id} was closed already`, { reason: 'already_closed' })
    ctx.body = { task: taskView(r.task, deps.churn.directory) }
  })
  router.get('/growth/funnel', viewer, async (ctx) => {
    const q = validate(weeksQuery, ctx.query)
    const groupTypes = Object.fromEntries(deps.churn.cfg.groupTypes.map((t) => [t.key, t.groups]))
    ctx.body = { items: await deps.churn.churn.funnel({ ...since(q.weeks), groupTypes, conversionTags: deps.churn.cfg.funnel?.conversionTags ?? [] }) }
  })
  router.get('/growth/sop-flows', viewer, async (ctx) => {
    const q = validate(weeksQuery, ctx.query)
    const range = since(q.weeks)
    const [sop, flows] = await Promise.all([deps.churn.churn.sopWeeks(range), deps.churn.churn.flowWeeks(range)])
    const { groupTypes, flows: declared } = deps.churn.cfg
    ctx.body = {
      sop: sop.map((r) => ({ ...r, groupTypeName: groupTypes.find((t) => t.key === r.groupType)?.name ?? r.groupType })),
      flows: flows.map((r) => ({ ...r, flowName: declared.find((f) => f.key === r.flowKey)?.name ?? r.flowKey })),
    }
  })
  router.get('/churn/weeks', viewer, async (ctx) => {
    const q = validate(weeksQuery, ctx.query)
    ctx.body = { items: await deps.churn.churn.churnWeeks(since(q.weeks)) }
  })
  return router
}

export function registerChurnPaths(registry: OpenAPIRegistry): void {
  const json = <S extends z.ZodTypeAny>(schema: S, description: string) => ({ description, content: { 'application/json': { schema } } })
  const path = (method: 'get' | 'post', p: string, summary: string, request: Record<string, unknown>, ok: ReturnType<typeof json>, errors: Parameters<typeof errorResponses>) =>
    registry.registerPath({ method, path: p, summary, tags: ['growth'], security: SECURED, request, responses: { 200: ok, ...errorResponses(...errors) } })
  path(
    'get',
    '/api/v1/churn/tasks',
    'Churn intervention tasks, newest first (viewer+)',
    { query: taskListQuery },
    json(z.object({ items: z.array(taskSchema), total: z.number().int() }), 'a page of tasks'),
    [400, 401, 403],
  )
  path(
    'get',
    '/api/v1/churn/tasks/{id}',
    'One churn task with its audit (opened by the score, closed by whom) (viewer+)',
    { params: idParam },
    json(z.object({ task: taskSchema, events: z.array(taskEventSchema) }), 'the task'),
    [400, 401, 403, 404],
  )
  path(
    'post',
    '/api/v1/churn/tasks/{id}/close',
    'Close a churn task with its outcome (handler+); a closed task answers 409',
    { params: idParam, body: { content: { 'application/json': { schema: closeBody } } } },
    json(z.object({ task: taskSchema }), 'the closed task'),
    [400, 401, 403, 404, 409],
  )
  path(
    'get',
    '/api/v1/growth/funnel',
    'New contacts → first interaction → joined a typed group → converted, per ISO week and group type (viewer+)',
    { query: weeksQuery },
    json(z.object({ items: z.array(funnelSchema) }), 'funnel rows'),
    [400, 401, 403],
  )
  path(
    'get',
    '/api/v1/growth/sop-flows',
    'SOP on-time rate per ISO week and group type, and flow completion per ISO week and flow (viewer+)',
    { query: weeksQuery },
    json(z.object({ sop: z.array(sopWeekSchema), flows: z.array(flowWeekSchema) }), 'weekly SOP and flow figures'),
    [400, 401, 403],
  )
  path(
    'get',
    '/api/v1/churn/weeks',
    'Churn tasks opened and closed per ISO week, with outcomes (viewer+)',
    { query: weeksQuery },
    json(z.object({ items: z.array(churnWeekSchema) }), 'weekly rows'),
    [400, 401, 403],
  )
}
