import { parseCommand } from '../../src/domain/commands/parse-command.js'
import { policySchema } from '../../src/config/policy-schema.js'
import { startEvalBaton } from './baton.js'
import { ErrorLog } from './log.js'
import { readConversation, type Line } from './conversation.js'
import { decided, hasAttentionItems, marks, observe, type Observation, type Recorded } from './observe.js'
import { scoreLine, type LineScore } from './score.js'
import type { EvalSet } from './sets.js'

/** How long one line may take to be recorded and decided before it is given up on. */
const DECIDE_TIMEOUT_MS = 20_000
const POLL_MS = 5
/** after this many lines in a row not decided, Baton is broken: the rest of the set is not played */
const GIVE_UP_AFTER = 10

export interface LineResult {
  line: Line
  groupKind: string
  observation: Observation | null
  score: LineScore
  ms: number
  /** why the line could not be played, when it could not */
  error?: string
}

export interface SetResult {
  set: EvalSet
  tenantName: string
  automatic: string[]
  attentionTable: boolean
  lines: LineResult[]
  ms: number
  /** reminders/escalations seen during the run: there should never be any (see baton.ts) */
  timerSends: number
}

/**
 * Plays one conversation file, line by line in order, in ONE fresh Baton, and scores each line
 * right after Baton decided it (earlier lines open the cases later lines refer to).
 */
export async function playSet(set: EvalSet, opts: { onLine?: (r: LineResult) => void } = {}): Promise<SetResult> {
  const lines = readConversation(set.path)
  const started = Date.now()
  const errors = new ErrorLog()
  const baton = await startEvalBaton(set.tenantPath, { log: errors.logger })
  try {
    const { ds } = baton.runtime
    const tenant = baton.tenant
    const parsedPolicy = policySchema.safeParse(tenant.policy)
    const automatic = parsedPolicy.success ? parsedPolicy.data.automaticCategories : []
    const automaticSet = new Set(automatic)
    const attentionTable = await hasAttentionItems(ds)
    const kinds = new Map(tenant.groups.map((g) => [g.key, g.kind as string]))
    const results: LineResult[] = []
    let failedInARow = 0
    for (const line of lines) {
      const t0 = Date.now()
      const ctx = {
        groupKind: kinds.get(line.group) ?? 'unknown',
        automatic: automaticSet,
        groupCustomers: tenant.customers.filter((c) => c.group === line.group).map((c) => c.key),
        isCommand: line.type === undefined && parseCommand(line.text).kind !== 'not_command',
      }
      let observation: Observation | null = null
      let error: string | undefined
      try {
        if (failedInARow >= GIVE_UP_AFTER) throw new Error(`skipped: the ${GIVE_UP_AFTER} lines before it were not decided`)
        const before = await marks(ds)
        const wecomId = baton.say(line.type ? { as: line.as, group: line.group, text: line.text, type: line.type } : { as: line.as, group: line.group, text: line.text })
        const rec = await waitDecided(
          () => decided(ds, wecomId),
          () => errors.errorFor(wecomId),
        )
        if (rec) {
          // work the session still has in flight for this event (as tests/support sayAndSettle)
          await baton.runtime.session?.drain()
          observation = { recorded: rec, ...(await observe(ds, tenant, rec, before, attentionTable)) }
        } else {
          error = `not recorded and decided within ${DECIDE_TIMEOUT_MS / 1000}s (a duplicate? a crash in the pipeline?)`
        }
      } catch (err) {
        error = (err as Error).message
      }
      failedInARow = error ? failedInARow + 1 : 0
      const score = scoreLine(line, observation, ctx)
      if (error) score.why = [`not played: ${error}`]
      const result: LineResult = { line, groupKind: ctx.groupKind, observation, score, ms: Date.now() - t0, ...(error ? { error } : {}) }
      results.push(result)
      opts.onLine?.(result)
    }
    const timer: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM sends WHERE kind IN ('reminder','escalation')`)
    return { set, tenantName: tenant.tenant.name, automatic, attentionTable, lines: results, ms: Date.now() - started, timerSends: timer[0]?.n ?? 0 }
  } finally {
    await baton.close()
  }
}

/** Polls until the line is decided; throws at once when Baton logged an error for it. */
async function waitDecided(fn: () => Promise<Recorded | null>, failed: () => string | undefined): Promise<Recorded | null> {
  const deadline = Date.now() + DECIDE_TIMEOUT_MS
  while (Date.now() < deadline) {
    const r = await fn()
    if (r) return r
    const err = failed()
    if (err) throw new Error(`Baton failed on it: ${err}`)
    await new Promise((res) => setTimeout(res, POLL_MS))
  }
  return null
}
