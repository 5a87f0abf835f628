import Router from '@koa/router'
import type { ApiToken } from '../../config/api-tokens.js'
import type { KnowledgeVersionStore } from '../../app/knowledge/knowledge-ports.js'
import { reloadKnowledge, type KnowledgeDeps } from '../../app/knowledge/reload-knowledge.js'
import { requireRole, type TokenBook } from './auth.js'

/** `GET /api/v1/knowledge` (viewer) and `POST /api/v1/knowledge/reload` (supervisor). */
export function knowledgeRoutes(opts: { tokens: readonly ApiToken[] | TokenBook; versions: KnowledgeVersionStore; reload: KnowledgeDeps }): Router {
  const router = new Router({ prefix: '/api/v1' })
  router.get('/knowledge', requireRole(opts.tokens, 'viewer'), async (ctx) => {
    ctx.body = { items: await opts.versions.current() }
  })
  router.post('/knowledge/reload', requireRole(opts.tokens, 'supervisor'), async (ctx) => {
    const caller = ctx.state['caller'] as { name: string }
    ctx.body = await reloadKnowledge(opts.reload, `api:${caller.name}`)
  })
  return router
}
