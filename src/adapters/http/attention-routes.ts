import Router from '@koa/router'
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi'
import type { ApiToken } from '../../config/api-tokens.js'
import type { AttentionQueries, AttentionView } from '../../app/attention-queries.js'
import type { Directory } from '../../app/directory.js'
import { AppError } from '../../app/errors.js'
import type { Clock } from '../../app/ports.js'
import { clearAttention } from '../../app/raise-attention.js'
import { openCaseForAttention, replyToAttention, takeAttention, type AttentionActionDeps } from '../../app/act-on-attention.js'
import type { DecisionServices } from '../../app/decide-ports.js'
import type { Staff } from '../../app/manage-case.js'
import type { Store } from '../../app/store.js'
import type { Context } from 'koa'
import { actorIdOf, callerOf, requireRole, staffPersonOf, type TokenBook } from './auth.js'
import { attentionItem, attentionList, attentionListQuery, clearAttentionBody, clearOutcome, idParam, openCaseAttentionBody, replyAttentionBody } from './api-schemas.js'
import { attentionItemView } from './api-views.js'
import { errorResponses, SECURED, z } from './openapi.js'
import { validate } from './validate.js'

/** Kept with an item cleared without a note, so the trail says where it was cleared. */
const NO_NOTE = 'cleared through the API'

export interface AttentionRouteDeps {
  tokens: readonly ApiToken[] | TokenBook
  attention: AttentionQueries
  store: Store
  directory: Directory
  clock: Clock
  /** the case and leak-guard services the reply / open-case / take actions use */
  services: AttentionActionDeps['services'] & Pick<DecisionServices, 'checkLeak'>
}

/**
 * The attention queue under /api/v1: messages Baton could not answer with a draft, waiting for a
 * person. Staff only, like the drafts (the items carry the customer's original text): reading
 * needs viewer, clearing handler, the same as reading and deciding drafts. Clearing calls the
 * same use case as a person acting in chat (clearAttention), so the case stops counting as
 * waiting for a person and the evidence trail records who cleared it.
 */
export function attentionRoutes(deps: AttentionRouteDeps): Router {
  const router = new Router({ prefix: '/api/v1' })
  const viewer = requireRole(deps.tokens, 'viewer')
  const handler = requireRole(deps.tokens, 'handler')
  const load = async (id: number): Promise<AttentionView> => {
    const item = await deps.attention.get(id)
    if (!item) throw new AppError('not_found', `attention item ${id} does not exist`, { entity: 'attention', id })
    return item
  }
  const alreadyCleared = (item: AttentionView) =>
    new AppError('conflict', `attention item ${item.id} was already cleared by ${item.clearedBy ?? 'someone'} at ${item.clearedAt?.toISOString() ?? 'an earlier time'}`, {
      entity: 'attention',
      id: item.id,
      status: 'cleared',
      clearedBy: item.clearedBy,
      clearedByName: item.clearedByName,
      clearedAt: item.clearedAt?.toISOString() ?? null,
    })

  router.get('/attention', viewer, async (ctx) => {
    const q = validate(attentionListQuery, ctx.query)
    const filter = q.caseId !== undefined ? { caseId: q.caseId } : {}
    const [items, total] = await Promise.all([deps.attention.listOpen({ ...filter, limit: q.limit, oldestFirst: q.order === 'oldest' }), deps.attention.countOpen(filter)])
    ctx.body = { items: items.map(attentionItemView), total }
  })
  router.get('/attention/:id', viewer, async (ctx) => {
    ctx.body = { item: attentionItemView(await load(validate(idParam, ctx.params).id)) }
  })
  router.post('/attention/:id/clear', handler, async (ctx) => {
    // params first, then the body: a bad id is named before a bad body
    const { id } = validate(idParam, ctx.params)
    const body = validate(clearAttentionBody, ctx.request.body)
    const before = await load(id)
    if (before.clearedAt !== null) throw alreadyCleared(before)
    const by = { by: actorIdOf(ctx, deps.directory), note: body.note && body.note.length > 0 ? body.note : NO_NOTE, at: deps.clock.now() }
    await deps.store.transaction((tx) => clearAttention(tx, { id }, by))
    // The UPDATE only touches open items, so of two clears racing past the check above one
    // changes nothing: the item then carries the other's mark, and this caller is told so.
    const after = await load(id)
    if (after.clearedBy !== by.by || after.clearedAt?.getTime() !== by.at.getTime()) throw alreadyCleared(after)
    ctx.body = { result: 'cleared', item: attentionItemView(after) }
  })

  // Acting on an item makes the actor answerable (a reply in their name, a case they own): the
  // token must name a handler or supervisor, as for taking a draft.
  const actions: AttentionActionDeps = { store: deps.store, directory: deps.directory, services: deps.services, clock: deps.clock, attention: deps.attention }
  const staff = async (ctx: Context, id: number): Promise<Staff> => {
    const person = staffPersonOf(ctx, deps.directory)
    if (!person) {
      await load(id)
      throw new AppError('forbidden', `acting on an attention item is done in a person's name, and the token "${callerOf(ctx).name}" names no handler or supervisor; use a token named after your WeCom id`, {
        reason: 'not_a_person',
      })
    }
    return { id: person.id, supervisor: deps.directory.hasRole(person.id, 'supervisor') }
  }
  router.post('/attention/:id/reply', handler, async (ctx) => {
    const { id } = validate(idParam, ctx.params)
    const body = validate(replyAttentionBody, ctx.request.body)
    const r = await replyToAttention(actions, id, await staff(ctx, id), body.text)
    ctx.body = { result: 'replied', item: attentionItemView(r.item) }
  })
  router.post('/attention/:id/open-case', handler, async (ctx) => {
    const { id } = validate(idParam, ctx.params)
    const body = validate(openCaseAttentionBody, ctx.request.body)
    const r = await openCaseForAttention(actions, id, await staff(ctx, id), { serviceType: body.serviceType, ...(body.customer ? { customer: body.customer } : {}) })
    ctx.body = { result: 'case_opened', caseId: r.caseId, item: attentionItemView(r.item) }
  })
  router.post('/attention/:id/take', handler, async (ctx) => {
    const { id } = validate(idParam, ctx.params)
    const r = await takeAttention(actions, id, await staff(ctx, id))
    ctx.body = { result: 'taken_over', caseId: r.caseId, item: attentionItemView(r.item) }
  })
  return router
}

export function registerAttentionPaths(registry: OpenAPIRegistry): void {
  const json = <S extends z.ZodTypeAny>(schema: S, description: string) => ({ description, content: { 'application/json': { schema } } })
  registry.registerPath({
    method: 'get',
    path: '/api/v1/attention',
    summary: 'The attention queue: open items (messages waiting for a person), newest first or oldest first (viewer+)',
    tags: ['attention'],
    security: SECURED,
    request: { query: attentionListQuery },
    responses: { 200: json(attentionList, 'open items and how many are open'), ...errorResponses(400, 401, 403) },
  })
  registry.registerPath({
    method: 'get',
    path: '/api/v1/attention/{id}',
    summary: 'One attention item, open or cleared (viewer+)',
    tags: ['attention'],
    security: SECURED,
    request: { params: idParam },
    responses: { 200: json(z.object({ item: attentionItem }), 'the item'), ...errorResponses(400, 401, 403, 404) },
  })
  registry.registerPath({
    method: 'post',
    path: '/api/v1/attention/{id}/clear',
    summary: 'Mark an item handled: it leaves the queue and its case no longer waits for a person (handler+)',
    tags: ['attention'],
    security: SECURED,
    request: { params: idParam, body: { content: { 'application/json': { schema: clearAttentionBody } } } },
    responses: { 200: json(clearOutcome, 'the cleared item'), ...errorResponses(400, 401, 403, 404, 409) },
  })
  const acted = (result: string, withCase: boolean) => z.object({ result: z.literal(result), ...(withCase ? { caseId: z.number().int() } : {}), item: attentionItem })
  registry.registerPath({
    method: 'post',
    path: '/api/v1/attention/{id}/reply',
    summary: 'Answer the customer in the group the item came from (leak-guarded, one send through the outbound queue); clears the item (handler+, a token named after a person)',
    tags: ['attention'],
    security: SECURED,
    request: { params: idParam, body: { content: { 'application/json': { schema: replyAttentionBody } } } },
    responses: { 200: json(acted('replied', false), 'the cleared item'), ...errorResponses(400, 401, 403, 404, 409) },
  })
  registry.registerPath({
    method: 'post',
    path: '/api/v1/attention/{id}/open-case',
    summary: "Open a case for the item's customer (or the one given), owned by the caller (handler+, a token named after a person)",
    tags: ['attention'],
    security: SECURED,
    request: { params: idParam, body: { content: { 'application/json': { schema: openCaseAttentionBody } } } },
    responses: { 200: json(acted('case_opened', true), 'the new case and the item'), ...errorResponses(400, 401, 403, 404, 409) },
  })
  registry.registerPath({
    method: 'post',
    path: '/api/v1/attention/{id}/take',
    summary: "Take the item's case over: the caller owns it and the item is cleared (handler+, a token named after a person)",
    tags: ['attention'],
    security: SECURED,
    request: { params: idParam },
    responses: { 200: json(acted('taken_over', true), 'the case and the cleared item'), ...errorResponses(400, 401, 403, 404, 409) },
  })
}
