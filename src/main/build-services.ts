import { existsSync } from 'node:fs'
import type { z } from 'zod'
import { join, resolve } from 'node:path'
import { EMPTY_GROWTH, loadGrowth } from '../config/growth-schema.js'
import type { GrowthConfig } from '../domain/growth/growth-config.js'
import type { Tenant } from '../config/load-tenant.js'
import { ConfigError, formatZodIssues } from '../config/format-issues.js'
import { loadKnowledge } from '../config/load-knowledge.js'
import { loadLexicon } from '../config/lexicon-schema.js'
import { loadWordingDir, type Wording } from '../config/load-wording-dir.js'
import { loadCommandWording } from '../config/command-wording-schema.js'
import { policySchema } from '../config/policy-schema.js'
import type { Policy } from '../domain/policy.js'
import type { DecisionServices } from '../app/decide-ports.js'
import type { Directory } from '../app/directory.js'
import { isCustomerSide, seenPerson } from '../app/growth/growth-deps.js'
import { composeCustomerDraft, materialItemsFor, proofRequiredFor } from '../domain/composer.js'
import { computeDueAt } from '../domain/due-time.js'
import { planTimer } from '../domain/timer-plan.js'
import { checkLeak } from '../domain/leak-guard.js'
import { compileLexicon, understandMessage, type Lexicon, type UnderstandingKit } from '../domain/understanding/index.js'
import { compileSignals } from '../domain/understanding/risk-signals.js'
import { loadSignals } from '../config/signals-schema.js'
import { loadCatalogue } from '../config/catalogue-schema.js'
import { loadIntentModel } from '../config/load-intent-model.js'
import { parseDuration } from '../domain/duration.js'
import type { Knowledge } from '../domain/knowledge.js'
import { LiveKnowledge } from '../app/knowledge/knowledge-ports.js'
import { understandingEntries, type KnowledgeEntry } from '../domain/knowledge/knowledge-versions.js'

export interface TenantKnowledge {
  services: DecisionServices
  wording: Wording
  policy: Policy
  /** the knowledge the services read; `reload` swaps it (see src/app/knowledge) */
  knowledge: LiveKnowledge
  /** reads and validates the knowledge folder again (throws ConfigError) */
  loadKnowledge: () => Knowledge
  /** the understanding files (model, signals, catalogue), recorded with the knowledge versions */
  understandingEntries: KnowledgeEntry[]
  /** tag dimensions, tags, tag rules and group types (config/growth.yaml); empty when the tenant has none */
  growth: GrowthConfig
}

/** The tenant file's policy block, validated; its problems are named under `policy`. */
function parsePolicy(tenant: Tenant): z.infer<typeof policySchema> {
  const parsed = policySchema.safeParse(tenant.policy)
  if (!parsed.success)
    throw new ConfigError(
      formatZodIssues(
        tenant.file,
        parsed.error.issues.map((i) => ({ ...i, path: ['policy', ...i.path] })),
      ),
    )
  return parsed.data
}

/**
 * Loads the lexicon, knowledge, wording and policy named by the tenant file and binds them into
 * the services the app layer calls. Every file is validated here, at start-up.
 */
export function buildServices(tenant: Tenant, directory: Directory): TenantKnowledge {
  const at = (p: string | undefined, fallback: string) => resolve(tenant.dir, p ?? fallback)
  const problems: string[] = []
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn()
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems)
      else throw err
      return undefined
    }
  }
  const lexicon = attempt(() => compileLexicon(loadLexicon(at(tenant.paths.lexicon, 'lexicon.yaml'))) as Lexicon)
  const understandingDir = at(tenant.paths.understanding, 'understanding')
  const rawSignals = attempt(() => loadSignals(join(understandingDir, 'signals.yaml')))
  const signals = rawSignals && compileSignals(rawSignals)
  const catalogue = attempt(() => loadCatalogue(join(understandingDir, 'catalogue.yaml')))
  const model = attempt(() => loadIntentModel(join(understandingDir, 'intent-model.json')))
  const readKnowledge = () => loadKnowledge(at(tenant.paths.knowledge, 'knowledge'))
  const loaded = attempt(readKnowledge)
  const wording = attempt(() => loadWordingDir(at(tenant.paths.wording, 'wording')))
  // every declared command must have its usage line, summary and error texts
  attempt(() => loadCommandWording(join(at(tenant.paths.wording, 'wording'), 'commands.yaml')))
  // growth.yaml beside the tenant file is optional; a path named in the tenant file must exist
  const growthFile = at(tenant.paths.growth, 'growth.yaml')
  const growth = tenant.paths.growth !== undefined || existsSync(growthFile) ? attempt(() => loadGrowth(growthFile, tenant)) : EMPTY_GROWTH
  const policy = attempt(() => parsePolicy(tenant))
  if (problems.length > 0 || !lexicon || !signals || !catalogue || !model || !loaded || !wording || !growth || !policy) throw new ConfigError(problems)
  const kit: UnderstandingKit = { lexicon, signals, model, catalogue, timeZone: policy.timezone }
  // a photo, a video or a document can satisfy an item; "a convenient time" cannot. Phrases the
  // catalogue does not list come from "拍/发/上传 …" requests, so they are things to send.
  const infoItems = new Set(catalogue.items.filter((i) => i.kind === 'info').map((i) => i.label))

  const customers = directory.customers.map((c) => ({ key: c.key, name: c.name, aliases: c.aliases, orderNumbers: c.orderNumbers, ...(c.phoneTail ? { phoneTail: c.phoneTail } : {}) }))
  // Names no customer may see: partner companies, partner staff and our own staff.
  const forbiddenNames = [
    ...directory.partners.map((p) => p.name),
    ...directory.peopleWithRole('partner').map((p) => p.name),
    ...directory.peopleWithRole('handler').map((p) => p.name),
    ...directory.peopleWithRole('supervisor').map((p) => p.name),
  ]
  const automatic = new Set(policy.automaticCategories)
  // every call reads the live knowledge once, so a reload takes effect on the next call
  const live = new LiveKnowledge(loaded)

  const services: DecisionServices = {
    timeZone: policy.timezone,
    understand: (input) => understandMessage(input, kit, { customers }),
    compose: (req) => composeCustomerDraft({ ...req, category: req.category, timeZone: policy.timezone }, live.current),
    checkLeak: (text, allowed) => {
      const { guard } = live.current
      return checkLeak(text, {
        forbiddenNames,
        allowedPhones: allowed.phones,
        allowedIds: allowed.ids,
        allowedLinkHosts: guard.allowedLinkHosts,
        internalJargon: guard.internalJargon,
        forbiddenCommitments: guard.forbiddenCommitments,
      })
    },
    proofRuleFor: (t) => proofRequiredFor(t, live.current),
    materialItemsFor: (t) => materialItemsFor(t, live.current),
    isAttachmentItem: (item) => !infoItems.has(item),
    modelVersion: model.version,
    dueAt: (state, serviceType, enteredAt) => computeDueAt({ state, serviceType, enteredAt, policy }),
    isAutomatic: (category) => automatic.has(category),
    reviewDmToOwner: tenant.review.notifyOwnerByDm,
    planTimer: (c) => planTimer(c, policy),
    draftExpiryMs: parseDuration(policy.draftExpiry)!,
    answerKnowledge: () => ({ entries: live.current.entries, campaignWords: live.current.campaignWords }),
    contactOf: (wecomId) => (isCustomerSide(directory, wecomId) ? seenPerson(directory, wecomId, wecomId) : null),
  }
  const understanding = understandingEntries({ model, signals: rawSignals, catalogue, dir: understandingDir })
  return { services, wording, policy, knowledge: live, loadKnowledge: readKnowledge, understandingEntries: understanding, growth }
}
