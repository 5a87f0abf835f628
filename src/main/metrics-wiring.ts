import type Router from '@koa/router'
import type { DataSource } from 'typeorm'
import type { Wording } from '../config/load-wording-dir.js'
import type { Knowledge } from '../config/knowledge-schema.js'
import type { Policy } from '../config/policy-schema.js'
import type { ApiToken } from '../config/api-tokens.js'
import type { DecisionServices } from '../app/decide-ports.js'
import type { Directory } from '../app/directory.js'
import type { LiveKnowledge } from '../app/knowledge/knowledge-ports.js'
import { recordKnowledgeAtStartup } from '../app/knowledge/reload-knowledge.js'
import type { Clock, Logger } from '../app/ports.js'
import { expireDrafts } from '../app/review/expire-drafts.js'
import type { Store } from '../app/store.js'
import { sqlKnowledgeVersionStore } from '../adapters/db/knowledge-version-store.js'
import { sqlMetricsQueries } from '../adapters/db/metrics-queries.js'
import { sqlPendingDraftQueries } from '../adapters/db/draft-queries.js'
import { knowledgeRoutes } from '../adapters/http/knowledge-routes.js'
import { metricsApiRoutes } from '../adapters/http/metrics-api-routes.js'
import { PeriodicSweep } from '../adapters/queue/periodic-sweep.js'

export interface MetricsWiringDeps {
  ds: DataSource
  store: Store
  directory: Directory
  services: DecisionServices
  wording: Wording
  policy: Policy
  knowledge: LiveKnowledge
  loadKnowledge(): Knowledge
  clock: Clock
  log: Logger
}

/** Issue 6's parts of a process: knowledge versions, the metrics and knowledge routes, the draft-expiry sweep. */
export function metricsWiring(d: MetricsWiringDeps) {
  const versions = sqlKnowledgeVersionStore(d.ds)
  return {
    /** records what changed in the knowledge files since the last start */
    recordKnowledge: () => recordKnowledgeAtStartup({ live: d.knowledge, versions, clock: d.clock, log: d.log }),
    routers: (tokens: readonly ApiToken[]): Router[] => [
      metricsApiRoutes({ tokens, deps: { metrics: sqlMetricsQueries(d.ds), proofRuleFor: (t) => d.services.proofRuleFor(t), wording: d.wording }, clock: d.clock, timezone: d.policy.timezone }),
      knowledgeRoutes({ tokens, versions, reload: { load: d.loadKnowledge, live: d.knowledge, versions, clock: d.clock, log: d.log } }),
    ],
    /** marks review drafts pending longer than policy.draftExpiry as expired (missed sends) */
    draftExpirySweep: (everyMs = 60_000) =>
      new PeriodicSweep('draft-expiry', () => expireDrafts({ store: d.store, pending: sqlPendingDraftQueries(d.ds), directory: d.directory, services: d.services, wording: d.wording, clock: d.clock, log: d.log }), d.log, everyMs),
  }
}
