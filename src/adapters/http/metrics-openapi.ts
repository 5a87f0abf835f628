import type { AnyZodObject, ZodTypeAny } from 'zod'
import { errorSchema, knowledgeListSchema, knowledgeReloadSchema, metricsQuerySchema, metricsResponseSchema, seriesQuerySchema, seriesResponseSchema } from './metrics-schemas.js'

/**
 * The metrics and knowledge routes for the OpenAPI document, shaped like
 * @asteasolutions/zod-to-openapi's RouteConfig: `for (const p of METRICS_OPENAPI_PATHS)
 * registry.registerPath(p)` (the `role` field is Baton's own, for a description or extension;
 * `security` names a `bearerAuth` scheme the registry declares).
 */
export interface PathDefinition {
  method: 'get' | 'post'
  path: string
  summary: string
  role: 'viewer' | 'handler' | 'supervisor'
  security: Array<Record<string, string[]>>
  request?: { query?: AnyZodObject }
  responses: Record<number, { description: string; content?: { 'application/json': { schema: ZodTypeAny } } }>
}

const json = (schema: ZodTypeAny) => ({ 'application/json': { schema } })
const bearer = [{ bearerAuth: [] }]
const errors = {
  400: { description: 'bad input; error.details.field names the field', content: json(errorSchema) },
  401: { description: 'no or unknown token', content: json(errorSchema) },
  403: { description: 'role too low', content: json(errorSchema) },
}

export const METRICS_OPENAPI_PATHS: PathDefinition[] = [
  {
    method: 'get',
    path: '/api/v1/metrics',
    summary: 'Weekly figures of a period (default: the last 7 days), for everything or per group, partner or handler, each with its definition',
    role: 'viewer',
    security: bearer,
    request: { query: metricsQuerySchema },
    responses: { 200: { description: 'figures per row and their definitions', content: json(metricsResponseSchema) }, ...errors },
  },
  {
    method: 'get',
    path: '/api/v1/metrics/series',
    summary: 'Figures per time bucket (local days by default) for charts',
    role: 'viewer',
    security: bearer,
    request: { query: seriesQuerySchema },
    responses: { 200: { description: 'one entry per bucket', content: json(seriesResponseSchema) }, ...errors },
  },
  {
    method: 'get',
    path: '/api/v1/knowledge',
    summary: 'Every knowledge entry (templates, material lists, completion rules, guard lists) with its current version',
    role: 'viewer',
    security: bearer,
    responses: { 200: { description: 'current entries', content: json(knowledgeListSchema) }, 401: errors[401], 403: errors[403] },
  },
  {
    method: 'post',
    path: '/api/v1/knowledge/reload',
    summary: 'Re-read config/knowledge from disk into the running process; a bad file is refused and the old knowledge stays',
    role: 'supervisor',
    security: bearer,
    responses: {
      200: { description: 'what changed and every entry’s version', content: json(knowledgeReloadSchema) },
      400: { description: 'a knowledge file is invalid (error.details.file, error.details.problems); nothing changed', content: json(errorSchema) },
      401: errors[401],
      403: errors[403],
    },
  },
]
