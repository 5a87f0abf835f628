import Router from '@koa/router'
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi'
import type { ApiToken } from '../../config/api-tokens.js'
import type { AttentionQueries } from '../../app/attention-queries.js'
import { AppError } from '../../app/errors.js'
import type { CaseBrowser } from '../../app/case-search.js'
import type { Clock } from '../../app/ports.js'
import type { CaseQueries } from '../../app/store.js'
import { verifyEvidence, type EvidenceReader } from '../../app/verify-evidence.js'
import { requireRole, type TokenBook } from './auth.js'
import { caseDetailBody, caseList, caseListQuery, evidenceExport, idParam } from './api-schemas.js'
import { attentionItemView, caseDetailView, caseSummaryView, draftSummaryView, evidenceViewJson, type ViewDeps } from './api-views.js'
import { renderEvidencePage } from './evidence-page.js'
import { errorResponses, SECURED, z } from './openapi.js'
import { validate } from './validate.js'

export interface CaseRouteDeps extends ViewDeps {
  tokens: readonly ApiToken[] | TokenBook
  queries: CaseQueries
  browser: CaseBrowser
  evidence: EvidenceReader
  attention: AttentionQueries
  clock: Clock
}

/** A case's open attention items are few (one matter, a quiet window between notices); this is a safety cap. */
const CASE_ATTENTION_LIMIT = 200

/** Cases under /api/v1: the filtered list, one case with its timeline, drafts and open attention items, its evidence (JSON and a printable page). */
export function caseRoutes(deps: CaseRouteDeps): Router {
  const router = new Router({ prefix: '/api/v1' })
  const viewer = requireRole(deps.tokens, 'viewer')
  const load = async (raw: Record<string, string>) => {
    const { id } = validate(idParam, raw)
    const kase = await deps.queries.getCase(id)
    if (!kase) throw new AppError('not_found', `case ${id} does not exist`, { entity: 'case', id })
    return kase
  }

  router.get('/cases', viewer, async (ctx) => {
    const q = validate(caseListQuery, ctx.query)
    const now = deps.clock.now()
    const { items, total } = await deps.browser.searchCases({ ...dropUndefined(q), now })
    ctx.body = { items: items.map((k) => caseSummaryView(deps, k, now)), total }
  })
  router.get('/cases/:id', viewer, async (ctx) => {
    const kase = await load(ctx.params)
    const [timeline, drafts, attention] = await Promise.all([
      deps.browser.timeline(kase.id),
      deps.browser.drafts({ caseId: kase.id, limit: 500 }),
      deps.attention.listOpen({ caseId: kase.id, limit: CASE_ATTENTION_LIMIT }),
    ])
    ctx.body = {
      case: caseDetailView(deps, kase, deps.clock.now()),
      timeline: timeline.map((e) => evidenceViewJson(deps, e, draftGroups(drafts))),
      drafts: drafts.map((d) => draftSummaryView(deps, d)),
      attention: attention.map(attentionItemView),
    }
  })
  router.get('/cases/:id/evidence', viewer, async (ctx) => {
    const kase = await load(ctx.params)
    const [events, check] = await Promise.all([deps.evidence.chain(kase.id), verifyEvidence(deps.evidence, kase.id)])
    ctx.body = { case: kase, verified: check.broken.length === 0, broken: check.broken, events }
  })
  router.get('/cases/:id/evidence.html', viewer, async (ctx) => {
    const kase = await load(ctx.params)
    const [events, check, drafts] = await Promise.all([deps.evidence.chain(kase.id), verifyEvidence(deps.evidence, kase.id), deps.browser.drafts({ caseId: kase.id, limit: 500 })])
    ctx.type = 'html'
    ctx.body = renderEvidencePage({ ...deps, draftGroups: draftGroups(drafts) }, kase, events, check, deps.clock.now())
  })
  return router
}

/** Where each draft of a case was to go, so a decision's sentence names the group. */
function draftGroups(drafts: readonly { id: number; targetGroupKey: string }[]): Map<number, string> {
  return new Map(drafts.map((d) => [d.id, d.targetGroupKey]))
}

function dropUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> }
}

export function registerCasePaths(registry: OpenAPIRegistry): void {
  const json = <S extends z.ZodTypeAny>(schema: S, description: string) => ({ description, content: { 'application/json': { schema } } })
  registry.registerPath({
    method: 'get',
    path: '/api/v1/cases',
    summary: 'List cases with filters (viewer+)',
    tags: ['cases'],
    security: SECURED,
    request: { query: caseListQuery },
    responses: { 200: json(caseList, 'a page of cases and the total matching'), ...errorResponses(400, 401, 403) },
  })
  const params = { params: idParam }
  registry.registerPath({
    method: 'get',
    path: '/api/v1/cases/{id}',
    summary: 'One case with its timeline (the evidence trail), its drafts and its open attention items (viewer+)',
    tags: ['cases'],
    security: SECURED,
    request: params,
    responses: { 200: json(caseDetailBody, 'the case'), ...errorResponses(400, 401, 403, 404) },
  })
  registry.registerPath({
    method: 'get',
    path: '/api/v1/cases/{id}/evidence',
    summary: 'The hash-chained evidence trail and its verification (viewer+)',
    tags: ['cases'],
    security: SECURED,
    request: params,
    responses: { 200: json(evidenceExport, 'the export'), ...errorResponses(400, 401, 403, 404) },
  })
  registry.registerPath({
    method: 'get',
    path: '/api/v1/cases/{id}/evidence.html',
    summary: 'The evidence trail as a printable page in Chinese, with the chain verification result (viewer+)',
    tags: ['cases'],
    security: SECURED,
    request: params,
    responses: { 200: { description: 'an HTML page', content: { 'text/html': { schema: z.string() } } }, ...errorResponses(400, 401, 403, 404) },
  })
}
