import { describe, expect, it } from 'vitest'
import { METRICS_OPENAPI_PATHS } from '../../src/adapters/http/metrics-openapi.js'
import { metricsApiRoutes } from '../../src/adapters/http/metrics-api-routes.js'
import { knowledgeRoutes } from '../../src/adapters/http/knowledge-routes.js'
import type { MetricsDeps } from '../../src/app/metrics/compute-metrics.js'
import type { KnowledgeDeps } from '../../src/app/knowledge/reload-knowledge.js'
import type { KnowledgeVersionStore } from '../../src/app/knowledge/knowledge-ports.js'
import { systemClock } from '../../src/app/ports.js'

describe('OpenAPI path definitions of the metrics and knowledge routes', () => {
  it('describe exactly the routes the routers serve', () => {
    // the routers are only listed, never called: their dependencies are not needed
    const unused = {} as never
    const routers = [
      metricsApiRoutes({ tokens: [], deps: unused as MetricsDeps, clock: systemClock, timezone: 'UTC' }),
      knowledgeRoutes({ tokens: [], versions: unused as KnowledgeVersionStore, reload: unused as KnowledgeDeps }),
    ]
    const served = routers.flatMap((r) => r.stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m.toLowerCase()} ${layer.path}`))).sort()
    expect(METRICS_OPENAPI_PATHS.map((p) => `${p.method} ${p.path}`).sort()).toEqual(served)
  })
  it('every route documents 401 and 403, and the query routes 400', () => {
    for (const p of METRICS_OPENAPI_PATHS) {
      expect(Object.keys(p.responses)).toEqual(expect.arrayContaining(['200', '401', '403']))
      if (p.request?.query) expect(p.responses[400]).toBeDefined()
    }
  })
})
