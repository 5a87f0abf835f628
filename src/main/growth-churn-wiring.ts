import type Router from '@koa/router'
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi'
import type { DataSource } from 'typeorm'
import type { ApiToken } from '../config/api-tokens.js'
import type { Wording } from '../config/load-wording-dir.js'
import { SqlChurnStore } from '../adapters/db/churn-store.js'
import { churnRoutes, registerChurnPaths } from '../adapters/http/churn-routes.js'
import type { TokenBook } from '../adapters/http/auth.js'
import type { ChurnDeps } from '../app/growth/churn-deps.js'
import type { GrowthDeps } from '../app/growth/growth-deps.js'
import { sweepChurnScores } from '../app/growth/sweep-churn-scores.js'
import { delayMs } from '../domain/growth/flow-plan.js'

export interface ChurnWiring {
  deps: ChurnDeps
  /** whether config/growth.yaml declares churn scores (then the nightly job runs even without nightly tag rules) */
  enabled: boolean
  routers(tokens: readonly ApiToken[] | TokenBook): Router[]
  registerPaths: (registry: OpenAPIRegistry) => void
  /** the nightly job: the tag rules first (a contact tagged dormant tonight is scored tonight), then the churn scores */
  nightly(sweepRules: () => Promise<number>): () => Promise<number>
  /** the churn scores alone (config `churn.sweepEvery`): how many tasks it opened */
  sweep(): Promise<number>
  /** `churn.sweepEvery` in ms; null when only the nightly run sweeps */
  sweepEveryMs: number | null
}

/** Churn early warning and funnels (issue 20): the store, the API and the nightly sweep, from the growth deps. */
export function wireChurn(opts: { ds: DataSource; growth: GrowthDeps; wording: Wording }): ChurnWiring {
  const { growth } = opts
  const deps: ChurnDeps = {
    churn: new SqlChurnStore(opts.ds),
    cfg: growth.cfg,
    directory: growth.directory,
    wording: opts.wording,
    clock: growth.clock,
    log: growth.log,
    ...(growth.sendsQueued ? { sendsQueued: growth.sendsQueued } : {}),
  }
  const enabled = growth.cfg.churn !== undefined
  return {
    deps,
    enabled,
    routers: (tokens) => [churnRoutes({ tokens, churn: deps })],
    registerPaths: registerChurnPaths,
    nightly: (sweepRules) => async () => {
      const tagged = growth.cfg.rules.some((r) => r.when.event === 'nightly') ? await sweepRules() : 0
      if (enabled) await sweepChurnScores(deps)
      return tagged
    },
    sweep: async () => (enabled ? (await sweepChurnScores(deps)).opened : 0),
    sweepEveryMs: growth.cfg.churn?.sweepEvery ? delayMs(growth.cfg.churn.sweepEvery) : null,
  }
}
