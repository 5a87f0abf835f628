import Router from '@koa/router'
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi'
import type { Context } from 'koa'
import type { ApiToken } from '../../config/api-tokens.js'
import { AppError, isAppError } from '../../app/errors.js'
import type { CaseBrowser } from '../../app/case-search.js'
import type { Messenger } from '../../app/ports.js'
import { approveDraft, editDraft, rejectDraft, takeOverDraft, type ReviewDeps, type ReviewResult } from '../../app/review/decide-draft.js'
import { recallDraft } from '../../app/review/recall-draft.js'
import { announceDecision } from '../../app/review/announce-decision.js'
import type { Logger } from '../../app/ports.js'
import { actorIdOf, callerOf, requireRole, staffPersonOf, type TokenBook } from './auth.js'
import { approveBody, draftList, draftSummary, draftListQuery, editBody, emptyBody, idParam, recallOutcome, rejectBody, reviewOutcome } from './api-schemas.js'
import { draftSummaryView, type ViewDeps } from './api-views.js'
import { errorResponses, SECURED, z } from './openapi.js'
import { validate } from './validate.js'

export interface DraftRouteDeps extends ViewDeps {
  tokens: readonly ApiToken[] | TokenBook
  browser: CaseBrowser
  review: ReviewDeps
  /** the WeCom session, when the bot role runs in this process (recall needs it) */
  messenger: () => Messenger | undefined
  log: Logger
}

/**
 * Drafts under /api/v1: the review queue and the decisions. Every decision calls the same use
 * case as the chat command (/approve, /edit, /reject, /take, /recall), acting as `api:<token name>`.
 */
export function draftRoutes(deps: DraftRouteDeps): Router {
  const router = new Router({ prefix: '/api/v1' })
  const viewer = requireRole(deps.tokens, 'viewer')
  const handler = requireRole(deps.tokens, 'handler')
  // A token named after a configured handler or supervisor acts as that person: a draft taken
  // in the console makes them the case owner (reminders and escalations reach a real person).
  // Any other token acts as `api:<name>`. The role still comes from the token (see auth.ts).
  const staffOf = (ctx: Context) => staffPersonOf(ctx, deps.directory)
  const reviewer = (ctx: Context) => ({ id: actorIdOf(ctx, deps.directory), supervisor: callerOf(ctx).role === 'supervisor' })
  const view = async (id: number) => {
    const [d] = await deps.browser.drafts({ id, limit: 1 })
    if (!d) throw new AppError('not_found', `draft ${id} does not exist`, { entity: 'draft', id })
    return draftSummaryView(deps, d)
  }
  // "already handled by …": the console names the person, not their WeCom id
  const withName = <T>(p: Promise<T>): Promise<T> =>
    p.catch((err: unknown) => {
      if (isAppError(err) && err.code === 'already_decided' && typeof err.details['decidedBy'] === 'string') {
        throw new AppError('already_decided', err.message, { ...err.details, decidedByName: deps.directory.person(err.details['decidedBy'])?.name ?? null })
      }
      throw err
    })
  const answer = async (ctx: Context, r: ReviewResult) => {
    await announceDecision({ ...deps.review, wording: deps.wording, log: deps.log }, r, staffOf(ctx)?.name ?? callerOf(ctx).name)
    ctx.body = { result: r.kind, draft: await view(r.draft.id), ...(r.kind === 'edit_blocked' ? { hits: r.hits } : {}), ...(r.kind === 'sent' ? { sent: r.sent } : {}) }
  }
  // params first, then the body: a bad id is named before a bad body
  const input = <T>(ctx: Context, schema: z.ZodType<T, z.ZodTypeDef, unknown>) => ({ id: validate(idParam, ctx.params).id, body: validate(schema, ctx.request.body) })

  router.get('/drafts', viewer, async (ctx) => {
    const q = validate(draftListQuery, ctx.query)
    const drafts = await deps.browser.drafts({ ...(q.status !== 'all' ? { status: q.status } : {}), limit: q.limit })
    ctx.body = { items: drafts.map((d) => draftSummaryView(deps, d)) }
  })
  router.get('/drafts/:id', viewer, async (ctx) => {
    ctx.body = { draft: await view(validate(idParam, ctx.params).id) }
  })
  router.post('/drafts/:id/approve', handler, async (ctx) => {
    const { id, body } = input(ctx, approveBody)
    const r = await withName(approveDraft(deps.review, id, reviewer(ctx), { force: body.force === true }))
    // after a blocked edit, plain approval sends the original draft; the answer says which text went out
    await answer(ctx, r)
  })
  router.post('/drafts/:id/edit', handler, async (ctx) => {
    const { id, body } = input(ctx, editBody)
    await answer(ctx, await withName(editDraft(deps.review, id, reviewer(ctx), body.text)))
  })
  router.post('/drafts/:id/reject', handler, async (ctx) => {
    const { id, body } = input(ctx, rejectBody)
    await answer(ctx, await withName(rejectDraft(deps.review, id, reviewer(ctx), body.reason && body.reason.length > 0 ? body.reason : null)))
  })
  router.post('/drafts/:id/take', handler, async (ctx) => {
    const { id } = input(ctx, emptyBody)
    // the taker becomes the case owner, whom reminders and escalations DM: it must be a person
    // (an unknown draft is still a 404 first, as for every other caller)
    if (!staffOf(ctx) && (await view(id)))
      throw new AppError('forbidden', `taking a draft makes you the case owner, and the token "${callerOf(ctx).name}" names no handler or supervisor; use a token named after your WeCom id`, {
        reason: 'not_a_person',
      })
    await answer(ctx, await withName(takeOverDraft(deps.review, id, reviewer(ctx))))
  })
  router.post('/drafts/:id/recall', handler, async (ctx) => {
    const { id } = input(ctx, emptyBody)
    const messenger = deps.messenger()
    if (!messenger) throw new AppError('dependency_down', 'recalling needs the WeCom session: run the api role together with the bot role', { need: 'bot' })
    const r = await recallDraft({ store: deps.review.store, clock: deps.review.clock, messenger }, id, reviewer(ctx).id)
    ctx.body = { result: r.kind, draftId: r.draftId, caseId: r.caseId }
  })
  return router
}

export function registerDraftPaths(registry: OpenAPIRegistry): void {
  const json = <S extends z.ZodTypeAny>(schema: S, description: string) => ({ description, content: { 'application/json': { schema } } })
  const body = <S extends z.ZodTypeAny>(schema: S) => ({ content: { 'application/json': { schema } } })
  const params = idParam
  registry.registerPath({
    method: 'get',
    path: '/api/v1/drafts',
    summary: 'The review queue: drafts by status, pending by default, oldest first (viewer+)',
    tags: ['drafts'],
    security: SECURED,
    request: { query: draftListQuery },
    responses: { 200: json(draftList, 'drafts'), ...errorResponses(400, 401, 403) },
  })
  registry.registerPath({
    method: 'get',
    path: '/api/v1/drafts/{id}',
    summary: 'One draft (viewer+)',
    tags: ['drafts'],
    security: SECURED,
    request: { params },
    responses: { 200: json(z.object({ draft: draftSummary }), 'the draft'), ...errorResponses(400, 401, 403, 404) },
  })
  const decisions: Array<{ verb: string; summary: string; schema?: z.ZodTypeAny; outcome: z.ZodTypeAny; extra: Array<422 | 503> }> = [
    { verb: 'approve', summary: 'Send the draft as written, like /approve (handler+; force: supervisor)', schema: approveBody, outcome: reviewOutcome, extra: [422] },
    { verb: 'edit', summary: 'Send an edited text, like /edit; the leak guard checks it again (handler+)', schema: editBody, outcome: reviewOutcome, extra: [] },
    { verb: 'reject', summary: 'Send nothing, like /reject (handler+)', schema: rejectBody, outcome: reviewOutcome, extra: [] },
    {
      verb: 'take',
      summary: 'Take the draft over by hand, like /take (handler+); the case is then owned by the person the token is named after (403 for a token named after no handler or supervisor)',
      outcome: reviewOutcome,
      extra: [],
    },
    { verb: 'recall', summary: 'Recall a sent draft, like /recall; recorded as a wrong send either way (handler+)', outcome: recallOutcome, extra: [503] },
  ]
  for (const d of decisions) {
    registry.registerPath({
      method: 'post',
      path: `/api/v1/drafts/{id}/${d.verb}`,
      summary: d.summary,
      tags: ['drafts'],
      security: SECURED,
      request: { params, ...(d.schema ? { body: body(d.schema) } : {}) },
      responses: { 200: json(d.outcome, 'the outcome'), ...errorResponses(400, 401, 403, 404, 409, ...d.extra) },
    })
  }
}
