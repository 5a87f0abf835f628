import Router from '@koa/router'
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi'
import type { ApiToken } from '../../config/api-tokens.js'
import { AppError } from '../../app/errors.js'
import type { GrowthDeps } from '../../app/growth/growth-deps.js'
import type { ContactEventView, ContactSummary, TagView } from '../../app/growth/growth-ports.js'
import { contactTags, tagContact, untagContact } from '../../app/growth/tag-by-reference.js'
import { actorIdOf, requireRole, type TokenBook } from './auth.js'
import { idParam } from './api-schemas.js'
import { errorResponses, SECURED, z } from './openapi.js'
import { validate } from './validate.js'

/** events shown with a contact, newest first */
const EVENTS_SHOWN = 200

const contactListQuery = z.object({
  tag: z.string().min(1).max(40).optional().openapi({ description: 'only contacts carrying this tag now' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
})
const tagBody = z.object({ tag: z.string().trim().min(1, 'expected a tag name').max(40) }).strict()
const tagParams = idParam.extend({ tag: z.string().min(1).max(40) })

const contactSchema = z
  .object({
    id: z.number().int(),
    wecomId: z.string(),
    name: z.string(),
    personId: z.string().nullable(),
    stage: z.string().nullable(),
    firstInboundAt: z.string().nullable(),
    lastInboundAt: z.string().nullable(),
    lastOutboundAt: z.string().nullable(),
    tags: z.array(z.string()),
  })
  .openapi('Contact')
const tagSchema = z
  .object({
    tag: z.string(),
    dimension: z.string(),
    source: z.enum(['manual', 'rule', 'case', 'flow']),
    appliedBy: z.string().openapi({ description: 'a person id (manual), a rule id (rule) or a case id (case)' }),
    appliedAt: z.string(),
  })
  .openapi('ContactTag')
const eventSchema = z
  .object({
    id: z.number().int(),
    kind: z.string(),
    groupKey: z.string().nullable(),
    messageId: z.number().int().nullable(),
    detail: z.record(z.union([z.string(), z.number(), z.boolean(), z.null()])),
    at: z.string(),
  })
  .openapi('ContactEvent')
const contactDetail = z.object({ contact: contactSchema, tags: z.array(tagSchema), events: z.array(eventSchema) }).openapi('ContactDetail')
const tagResult = z.object({ result: z.enum(['added', 'already', 'removed', 'not_tagged']), replaced: z.array(z.string()).optional(), contact: contactSchema }).openapi('TagResult')

const iso = (d: Date | null) => (d ? d.toISOString() : null)
const contactView = (c: ContactSummary): z.infer<typeof contactSchema> => ({ ...c, firstInboundAt: iso(c.firstInboundAt), lastInboundAt: iso(c.lastInboundAt), lastOutboundAt: iso(c.lastOutboundAt) })
const tagView = (t: TagView): z.infer<typeof tagSchema> => ({ ...t, appliedAt: t.appliedAt.toISOString() })
const eventView = (e: ContactEventView): z.infer<typeof eventSchema> => ({ ...e, at: e.at.toISOString() })

/**
 * Contacts and their tags under /api/v1: reading needs viewer, tagging handler (the same use
 * cases as /tag and /untag in chat; who tagged is the token's person, else `api:<token>`).
 */
export function contactRoutes(deps: { tokens: readonly ApiToken[] | TokenBook; growth: GrowthDeps }): Router {
  const router = new Router({ prefix: '/api/v1' })
  const viewer = requireRole(deps.tokens, 'viewer')
  const handler = requireRole(deps.tokens, 'handler')
  const unknownTag = (tag: string) => new AppError('bad_request', `no tag ${JSON.stringify(tag)}; declared tags: ${deps.growth.cfg.tags.map((t) => t.name).join(', ') || 'none'}`, { field: 'tag' })

  router.get('/contacts', viewer, async (ctx) => {
    const q = validate(contactListQuery, ctx.query)
    const page = await deps.growth.growth.listContacts({ ...(q.tag !== undefined ? { tag: q.tag } : {}), limit: q.limit, offset: q.offset })
    ctx.body = { items: page.items.map(contactView), total: page.total }
  })
  router.get('/contacts/:id', viewer, async (ctx) => {
    const { id } = validate(idParam, ctx.params)
    const { contact, tags } = await contactTags(deps.growth, id)
    ctx.body = { contact: contactView(contact), tags: tags.map(tagView), events: (await deps.growth.growth.eventsOf(id, EVENTS_SHOWN)).map(eventView) } satisfies z.infer<typeof contactDetail>
  })
  router.post('/contacts/:id/tags', handler, async (ctx) => {
    const { id } = validate(idParam, ctx.params)
    const body = validate(tagBody, ctx.request.body)
    const r = await tagContact(deps.growth, id, body.tag, actorIdOf(ctx, deps.growth.directory)).catch((err: unknown) => {
      throw err instanceof AppError && err.details['entity'] === 'tag' ? unknownTag(body.tag) : err
    })
    const contact = (await deps.growth.growth.contact(id))!
    ctx.body = { result: r.change.kind === 'added' ? 'added' : 'already', ...(r.change.kind === 'added' ? { replaced: r.change.replaced } : {}), contact: contactView(contact) }
  })
  router.delete('/contacts/:id/tags/:tag', handler, async (ctx) => {
    const { id, tag } = validate(tagParams, ctx.params)
    const r = await untagContact(deps.growth, id, tag, actorIdOf(ctx, deps.growth.directory)).catch((err: unknown) => {
      throw err instanceof AppError && err.details['entity'] === 'tag' ? unknownTag(tag) : err
    })
    const contact = (await deps.growth.growth.contact(id))!
    ctx.body = { result: r.change.kind === 'removed' ? 'removed' : 'not_tagged', contact: contactView(contact) }
  })
  return router
}

export function registerContactPaths(registry: OpenAPIRegistry): void {
  const json = <S extends z.ZodTypeAny>(schema: S, description: string) => ({ description, content: { 'application/json': { schema } } })
  registry.registerPath({
    method: 'get',
    path: '/api/v1/contacts',
    summary: 'Contacts the bot account has seen, optionally only those carrying a tag (viewer+)',
    tags: ['contacts'],
    security: SECURED,
    request: { query: contactListQuery },
    responses: { 200: json(z.object({ items: z.array(contactSchema), total: z.number().int() }), 'a page of contacts and how many match'), ...errorResponses(400, 401, 403) },
  })
  registry.registerPath({
    method: 'get',
    path: '/api/v1/contacts/{id}',
    summary: 'One contact with its tags (who/what applied each, when) and its event log, newest first (viewer+)',
    tags: ['contacts'],
    security: SECURED,
    request: { params: idParam },
    responses: { 200: json(contactDetail, 'the contact'), ...errorResponses(400, 401, 403, 404) },
  })
  registry.registerPath({
    method: 'post',
    path: '/api/v1/contacts/{id}/tags',
    summary: 'Tag a contact by hand; the other tag of an exclusive dimension is removed (handler+)',
    tags: ['contacts'],
    security: SECURED,
    request: { params: idParam, body: { content: { 'application/json': { schema: tagBody } } } },
    responses: { 200: json(tagResult, 'added, or already carried'), ...errorResponses(400, 401, 403, 404) },
  })
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/contacts/{id}/tags/{tag}',
    summary: 'Remove a tag from a contact (handler+)',
    tags: ['contacts'],
    security: SECURED,
    request: { params: tagParams },
    responses: { 200: json(tagResult, 'removed, or the contact did not carry it'), ...errorResponses(400, 401, 403, 404) },
  })
}
