import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi'
import Router from '@koa/router'
import { z } from 'zod'

// Adds `.openapi()` to zod schemas (idempotent); schemas used in documented routes import `z` from here.
extendZodWithOpenApi(z)
export { z }

/** Registers the paths (and named schemas) of one router. Each router module exports one. */
export type OpenApiRegistrar = (registry: OpenAPIRegistry) => void

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ description: 'stable AppError code, e.g. bad_request, unauthorized, forbidden, not_found, already_decided' }),
      message: z.string(),
      details: z.record(z.unknown()).optional().openapi({ description: 'e.g. { field } on 400, { status, decidedBy, decidedAt } on 409, { hits } on 422' }),
    }),
  })
  .openapi('Error')

/** The shared error responses, by status, for a route's `responses`. */
export function errorResponses(...statuses: Array<400 | 401 | 403 | 404 | 409 | 422 | 429 | 503>): Record<number, { description: string; content: { 'application/json': { schema: typeof errorBody } } }> {
  const what: Record<number, string> = {
    400: 'bad input; details.field names the offending field',
    401: 'no token, or an unknown one',
    403: "the token's role is too low",
    404: 'unknown id',
    409: 'conflict, e.g. the draft was already decided',
    422: 'refused by a rule, e.g. the leak guard',
    429: 'too many attempts from this address; details.retryAfterSeconds says when to try again',
    503: 'a dependency is not available in this process',
  }
  return Object.fromEntries(statuses.map((s) => [s, { description: what[s]!, content: { 'application/json': { schema: errorBody } } }]))
}

/** A registry with the shared components: the two ways to authenticate and the error body. */
export function createApiRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry()
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'a token from BATON_API_TOKENS' })
  registry.registerComponent('securitySchemes', 'cookie', { type: 'apiKey', in: 'cookie', name: 'baton_session', description: 'a session id set by POST /api/v1/session (never the token itself)' })
  registry.register('Error', errorBody)
  return registry
}

/** Either authentication works on every protected route. */
export const SECURED: Array<Record<string, string[]>> = [{ bearer: [] }, { cookie: [] }]

/** The OpenAPI 3 document of every registered route. */
export function buildOpenApiDocument(registrars: readonly OpenApiRegistrar[]): ReturnType<OpenApiGeneratorV3['generateDocument']> {
  const registry = createApiRegistry()
  for (const register of registrars) register(registry)
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: { title: 'Baton API', version: 'v1', description: 'Cases, drafts and evidence of Baton. Roles: viewer < handler < supervisor.' },
    servers: [{ url: '/' }],
  })
}

/** `GET /api/v1/openapi.json`: public, it describes routes, not data. Built once. */
export function openApiRoutes(registrars: readonly OpenApiRegistrar[]): Router {
  const router = new Router({ prefix: '/api/v1' })
  let doc: ReturnType<typeof buildOpenApiDocument> | undefined
  router.get('/openapi.json', (ctx) => {
    ctx.body = doc ??= buildOpenApiDocument(registrars)
  })
  return router
}
