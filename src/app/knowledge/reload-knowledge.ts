import type { Knowledge } from '../../domain/knowledge.js'
import { ConfigError } from '../../config/format-issues.js'
import { knowledgeEntries, type KnowledgeEntry } from '../../domain/knowledge/knowledge-versions.js'
import { AppError } from '../errors.js'
import type { Clock, Logger } from '../ports.js'
import type { KnowledgeVersionStore, LiveKnowledge, RecordResult } from './knowledge-ports.js'

export interface KnowledgeDeps {
  /** reads and validates the knowledge files; throws ConfigError naming file and problem */
  load(): Knowledge
  live: LiveKnowledge
  versions: KnowledgeVersionStore
  clock: Clock
  log: Logger
  /**
   * Versioned like knowledge but read once at start-up (the intent model, risk signals, the
   * items catalogue): recorded beside the reloadable entries so a reload does not mark them removed.
   */
  fixed?: readonly KnowledgeEntry[]
  /** tells the other processes to reload too (optional: a single process has none) */
  announce?(actor: string): Promise<void>
}

/** On start-up: records a version for whatever changed in the files since the last run. */
export async function recordKnowledgeAtStartup(deps: Pick<KnowledgeDeps, 'live' | 'versions' | 'clock' | 'log' | 'fixed'>): Promise<RecordResult> {
  const r = await deps.versions.record(knowledgeEntries(deps.live.current, deps.fixed), { reason: 'startup', actor: 'baton', at: deps.clock.now() })
  if (r.changed.length > 0) deps.log.info({ changed: r.changed }, 'knowledge versions recorded')
  return r
}

/**
 * `POST /api/v1/knowledge/reload`: reads the files again. A bad file is refused with its
 * problems and the knowledge in force stays; otherwise the versions are recorded first and
 * then the running decision services switch to the new knowledge in one step.
 */
export async function reloadKnowledge(deps: KnowledgeDeps, actor: string): Promise<RecordResult> {
  let next: Knowledge
  try {
    next = deps.load()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    const file = /^(.+?): /.exec(err.problems[0] ?? '')?.[1] ?? null
    deps.log.warn({ problems: err.problems, actor }, 'knowledge reload refused; the previous knowledge stays in force')
    throw new AppError('config_invalid', `knowledge not reloaded: ${err.problems[0] ?? 'invalid'}`, { file, problems: err.problems })
  }
  const r = await deps.versions.record(knowledgeEntries(next, deps.fixed), { reason: 'reload', actor, at: deps.clock.now() })
  deps.live.swap(next)
  deps.log.info({ changed: r.changed, actor }, 'knowledge reloaded')
  if (deps.announce) await deps.announce(actor).catch((err: Error) => deps.log.warn({ err: { message: err.message } }, 'could not tell the other processes to reload knowledge'))
  return r
}

/**
 * Another process reloaded: read our own files and switch the same way (their versions are
 * already recorded, so this normally records nothing). A bad file keeps the knowledge in force.
 */
export async function reloadAnnouncedKnowledge(deps: Omit<KnowledgeDeps, 'announce'>, actor: string): Promise<RecordResult | null> {
  try {
    return await reloadKnowledge(deps, actor)
  } catch (err) {
    if (err instanceof AppError && err.code === 'config_invalid') return null
    throw err
  }
}
