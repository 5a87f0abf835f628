import type Router from '@koa/router'
import type { DataSource } from 'typeorm'
import type { Wording } from '../config/load-wording-dir.js'
import type { Knowledge } from '../domain/knowledge.js'
import type { Policy } from '../domain/policy.js'
import type { ApiToken } from '../config/api-tokens.js'
import type { TokenBook } from '../adapters/http/auth.js'
import type { DecisionServices } from '../app/decide-ports.js'
import type { Directory } from '../app/directory.js'
import type { LiveKnowledge } from '../app/knowledge/knowledge-ports.js'
import type { KnowledgeEntry } from '../domain/knowledge/knowledge-versions.js'
import { recordKnowledgeAtStartup, reloadAnnouncedKnowledge, type KnowledgeDeps } from '../app/knowledge/reload-knowledge.js'
import type { Clock, Logger } from '../app/ports.js'
import { expireDrafts } from '../app/review/expire-drafts.js'
import type { Store } from '../app/store.js'
import { sqlKnowledgeVersionStore } from '../adapters/db/knowledge-version-store.js'
import { sqlMetricsQueries } from '../adapters/db/metrics-queries.js'
import { sqlPendingDraftQueries } from '../adapters/db/draft-queries.js'
import { knowledgeRoutes } from '../adapters/http/knowledge-routes.js'
import { metricsApiRoutes } from '../adapters/http/metrics-api-routes.js'
import { PeriodicSweep } from '../adapters/queue/periodic-sweep.js'
import type { KnowledgeBroadcast } from '../adapters/queue/knowledge-broadcast.js'

export interface MetricsWiringDeps {
  ds: DataSource
  store: Store
  directory: Directory
  services: DecisionServices
  wording: Wording
  policy: Policy
  knowledge: LiveKnowledge
  loadKnowledge: () => Knowledge
  /** versioned with the knowledge, read once at start-up */
  understandingEntries: readonly KnowledgeEntry[]
  clock: Clock
  log: Logger
  /** reloads reach every process through it */
  broadcast: KnowledgeBroadcast
}

/** Issue 6's parts of a process: knowledge versions, the metrics and knowledge routes, the draft-expiry sweep. */
export function metricsWiring(d: MetricsWiringDeps) {
  const versions = sqlKnowledgeVersionStore(d.ds)
  const fixed = d.understandingEntries
  const reload: KnowledgeDeps = { load: d.loadKnowledge, live: d.knowledge, versions, clock: d.clock, log: d.log, fixed, announce: (actor) => d.broadcast.announce(actor) }
  return {
    /** records what changed in the knowledge files since the last start, and follows other processes' reloads */
    startKnowledge: async () => {
      await recordKnowledgeAtStartup({ live: d.knowledge, versions, clock: d.clock, log: d.log, fixed })
      const listening = d.broadcast.listen(async (actor) => void (await reloadAnnouncedKnowledge({ load: d.loadKnowledge, live: d.knowledge, versions, clock: d.clock, log: d.log, fixed }, actor)))
      // without Redis the subscription waits in ioredis' offline queue and is made once Redis
      // answers: start-up must not wait for it
      const subscribed = await Promise.race([listening.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 2000).unref())])
      if (!subscribed) {
        d.log.warn({}, 'Redis not answering: reloads made in other processes are followed once it answers')
        listening.catch((err: Error) => d.log.warn({ err: { message: err.message } }, 'following knowledge reloads failed'))
      }
    },
    routers: (tokens: readonly ApiToken[] | TokenBook): Router[] => [
      metricsApiRoutes({ tokens, deps: { metrics: sqlMetricsQueries(d.ds), proofRuleFor: (t) => d.services.proofRuleFor(t), wording: d.wording }, clock: d.clock, timezone: d.policy.timezone }),
      knowledgeRoutes({ tokens, versions, reload }),
    ],
    /** marks review drafts pending longer than policy.draftExpiry as expired (missed sends) */
    draftExpirySweep: (everyMs = 60_000) =>
      new PeriodicSweep(
        'draft-expiry',
        () => expireDrafts({ store: d.store, pending: sqlPendingDraftQueries(d.ds), directory: d.directory, services: d.services, wording: d.wording, clock: d.clock, log: d.log }),
        d.log,
        everyMs,
      ),
  }
}
