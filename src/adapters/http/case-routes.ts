import Router from '@koa/router'
import type { ApiToken } from '../../config/api-tokens.js'
import { AppError } from '../../app/errors.js'
import type { CaseQueries } from '../../app/store.js'
import { verifyEvidence, type EvidenceReader } from '../../app/verify-evidence.js'
import { requireRole } from './auth.js'

function caseId(raw: string | undefined): number {
  const id = Number(raw)
  if (!Number.isSafeInteger(id) || id <= 0) throw new AppError('bad_request', 'id: expected a positive integer', { field: 'id' })
  return id
}

/** Cases under /api/v1 (the evidence trail for now; the full case API builds on this). */
export function caseRoutes(opts: { tokens: readonly ApiToken[]; queries: CaseQueries; evidence: EvidenceReader }): Router {
  const router = new Router({ prefix: '/api/v1' })
  router.get('/cases/:id/evidence', requireRole(opts.tokens, 'viewer'), async (ctx) => {
    const id = caseId(ctx.params['id'])
    const kase = await opts.queries.getCase(id)
    if (!kase) throw new AppError('not_found', `case ${id} does not exist`, { entity: 'case', id })
    const [events, check] = await Promise.all([opts.evidence.chain(id), verifyEvidence(opts.evidence, id)])
    ctx.body = { case: kase, verified: check.broken.length === 0, broken: check.broken, events }
  })
  return router
}
