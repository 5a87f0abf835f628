import Router from '@koa/router'
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi'
import type { ApiToken } from '../../config/api-tokens.js'
import type { Directory } from '../../app/directory.js'
import { requireRole, type TokenBook } from './auth.js'
import { errorResponses, SECURED, z } from './openapi.js'

const option = z.object({ key: z.string(), name: z.string() })
export const directoryPickers = z
  .object({
    owners: z.array(option).openapi({ description: 'handlers and supervisors, who can own a case (key: WeCom id)' }),
    groups: z.array(option.extend({ kind: z.string() })).openapi({ description: 'customer and partner groups (key: group key, name: topic)' }),
    partners: z.array(option).openapi({ description: 'fulfillment partners (key: partner key)' }),
    customers: z.array(option).openapi({ description: 'customers (key: customer key), for opening a case' }),
  })
  .openapi('DirectoryPickers')

/**
 * The names the console's case filters offer (GET /api/v1/directory): a supervisor picks 王小美
 * or 安心安装服务, and the filter sends the key. Staff names are for staff: viewer+.
 */
export function directoryRoutes(deps: { tokens: readonly ApiToken[] | TokenBook; directory: Directory }): Router {
  const router = new Router({ prefix: '/api/v1' })
  router.get('/directory', requireRole(deps.tokens, 'viewer'), (ctx) => {
    const d = deps.directory
    const owners = [...d.peopleWithRole('handler'), ...d.peopleWithRole('supervisor').filter((p) => !p.roles.includes('handler'))]
    ctx.body = {
      owners: owners.map((p) => ({ key: p.id, name: p.name })),
      groups: d.groups.filter((g) => g.kind !== 'internal').map((g) => ({ key: g.key, name: g.topic ?? g.key, kind: g.kind })),
      partners: d.partners.map((p) => ({ key: p.key, name: p.name })),
      customers: d.customers.map((c) => ({ key: c.key, name: c.name })),
    } satisfies z.infer<typeof directoryPickers>
  })
  return router
}

export function registerDirectoryPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/v1/directory',
    summary: "Names for the console's pickers: owners, groups, partners and customers with their keys (viewer+)",
    tags: ['cases'],
    security: SECURED,
    responses: { 200: { description: 'the pickers', content: { 'application/json': { schema: directoryPickers } } }, ...errorResponses(401, 403) },
  })
}
