import type { CaseRecord, DraftRecord, NewSend } from './case-record.js'
import { fireLocked, type Firing, type FiringDeps, type TimerJob, type TimerOutcome } from './fire-timer.js'
import type { Clock, Logger, Telemetry } from './ports.js'
import type { CasePatch, NewEvidence, Tx } from './store.js'

/** Everything one batch of timers writes, in the order the single-timer path would have written it. */
export interface TimerBatchWrites {
  /** with ids from reserveIds */
  drafts: DraftRecord[]
  /** with ids from reserveIds; draftId refers to a draft above or an older one */
  sends: Array<NewSend & { id: number; at: Date }>
  /** one merged patch per case */
  caseUpdates: Array<{ id: number; patch: CasePatch }>
  /** pending drafts that newer ones of the same case and category replace */
  superseded: Array<{ caseId: number; category: string; at: Date }>
  /** in append order: several events of one case chain in this order */
  evidence: Array<{ caseId: number; event: NewEvidence }>
}

/** The statements of one timer batch, inside one transaction; each is one statement whatever the batch size. */
export interface TimerBatchTx {
  /** Locks every listed case (ascending id order, so two batches never deadlock); missing ids are left out. */
  lockCases(ids: readonly number[]): Promise<CaseRecord[]>
  /** Takes ids from the drafts' and sends' sequences, so drafts can be referred to before they are written. */
  reserveIds(n: { drafts: number; sends: number }): Promise<{ drafts: number[]; sends: number[] }>
  /** Writes drafts, sends, case updates and evidence (chained after each case's current head). */
  write(w: TimerBatchWrites): Promise<void>
}

export interface TimerBatchStore {
  transaction<T>(fn: (tx: TimerBatchTx) => Promise<T>): Promise<T>
}

export type TimerBatchDeps = FiringDeps & {
  timerBatches: TimerBatchStore
  clock: Clock
  log: Logger
  telemetry?: Pick<Telemetry, 'timerFired'>
}

/**
 * Fires a batch of timers in one transaction with a fixed number of statements, however many
 * timers it holds: firing each in its own transaction capped a morning rush at a few hundred
 * timers a second. Every case is locked first; then each timer is decided in memory by exactly
 * the code fireTimer runs (fireLocked) against a transaction stand-in that applies the case
 * patches in memory and collects the writes, so two timers of one case in one batch see each
 * other (the second is stale, as it would be one after the other). Outcomes in input order.
 */
export async function fireTimers(deps: TimerBatchDeps, jobs: readonly TimerJob[]): Promise<TimerOutcome[]> {
  if (jobs.length === 0) return []
  let fired: Firing[] = []
  await deps.timerBatches.transaction(async (btx) => {
    const ids = [...new Set(jobs.map((j) => j.caseId))].sort((a, b) => a - b)
    const locked = await btx.lockCases(ids)
    // lateness is measured once the cases are ours, not when the job was queued
    const now = deps.clock.now()
    // Drafts' ids appear in review notices and evidence, so they must be known while deciding.
    // A first pass decides with placeholder ids. Sends' ids are referred to by nothing decided,
    // so when the batch made no draft (partner and team reminders, escalations) its writes stand
    // and only the sends get their ids. Otherwise a second pass decides again with the ids,
    // reserved in one statement, that the first pass counted.
    const first = new CollectingTx(locked, null)
    const firstFired: Firing[] = []
    for (const job of jobs) firstFired.push(await fireLocked(first, deps, first.current(job.caseId), job, now))
    if (first.draftsUsed === 0) {
      const sendIds = first.sendsUsed > 0 ? (await btx.reserveIds({ drafts: 0, sends: first.sendsUsed })).sends : []
      fired = firstFired
      await btx.write(first.writesWithSendIds(sendIds))
      return
    }
    const reserved = await btx.reserveIds({ drafts: first.draftsUsed, sends: first.sendsUsed })
    const tx = new CollectingTx(locked, reserved)
    fired = []
    for (const job of jobs) fired.push(await fireLocked(tx, deps, tx.current(job.caseId), job, now))
    await btx.write(tx.writes())
  })
  // counted and logged once committed: a rolled-back batch is fired again
  jobs.forEach((job, i) => {
    const f = fired[i]!
    if (f.lateMs === null) return
    deps.log.info({ caseId: job.caseId, step: f.outcome, attempt: job.attempt, lateMs: f.lateMs }, 'timer fired')
    deps.telemetry?.timerFired(f.outcome, f.lateMs)
  })
  return fired.map((f) => f.outcome)
}

/**
 * A Tx over cases already locked: reads and case updates are served from memory, inserts are
 * collected for TimerBatchTx.write. Only what firing a timer uses is supported.
 */
class CollectingTx implements Tx {
  private readonly cases = new Map<number, CaseRecord>()
  private readonly patches = new Map<number, CasePatch>()
  private readonly drafts: DraftRecord[] = []
  private readonly sends: TimerBatchWrites['sends'] = []
  private readonly evidence: TimerBatchWrites['evidence'] = []
  private readonly superseded: TimerBatchWrites['superseded'] = []
  draftsUsed = 0
  sendsUsed = 0

  /** `ids` null: a first pass, which hands out placeholder ids (negative) while it collects the writes. */
  constructor(
    locked: readonly CaseRecord[],
    private readonly ids: { drafts: number[]; sends: number[] } | null,
  ) {
    for (const c of locked) this.cases.set(c.id, { ...c })
  }

  current(id: number): CaseRecord | null {
    const c = this.cases.get(id)
    return c ? { ...c } : null
  }

  writes(): TimerBatchWrites {
    return { drafts: this.drafts, sends: this.sends, caseUpdates: [...this.patches].map(([id, patch]) => ({ id, patch })), evidence: this.evidence, superseded: this.superseded }
  }

  /** The writes of a pass that made no draft, its sends numbered with `ids` in the order made. */
  writesWithSendIds(ids: readonly number[]): TimerBatchWrites {
    if (this.drafts.length > 0 || ids.length !== this.sends.length) throw new Error(`timer batch: ${ids.length} send ids for ${this.sends.length} sends and ${this.drafts.length} drafts`)
    return { ...this.writes(), sends: this.sends.map((s, i) => ({ ...s, id: ids[i]! })) }
  }

  private nextId(kind: 'drafts' | 'sends'): number {
    const n = kind === 'drafts' ? this.draftsUsed++ : this.sendsUsed++
    if (!this.ids) return -(n + 1)
    const id = this.ids[kind][n]
    // the counting pass decided differently (e.g. knowledge reloaded in between): give the batch up
    if (id === undefined) throw new Error(`timer batch needs more ${kind} ids than the counting pass reserved`)
    return id
  }

  async lockCase(id: number): Promise<CaseRecord | null> {
    return this.current(id)
  }

  async updateCase(id: number, patch: CasePatch): Promise<void> {
    const c = this.cases.get(id)
    if (!c) throw new Error(`case ${id} is not locked by this timer batch`)
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as CasePatch
    this.cases.set(id, { ...c, ...defined })
    this.patches.set(id, { ...this.patches.get(id), ...defined })
  }

  async insertDraft(d: Omit<DraftRecord, 'id'>): Promise<number> {
    const id = this.nextId('drafts')
    this.drafts.push({ ...d, id })
    return id
  }

  async insertSend(s: NewSend, at: Date): Promise<number> {
    const id = this.nextId('sends')
    this.sends.push({ ...s, id, at })
    return id
  }

  async appendEvidence(caseId: number, event: NewEvidence): Promise<void> {
    if (!this.cases.has(caseId)) throw new Error(`case ${caseId} is not locked by this timer batch`)
    this.evidence.push({ caseId, event })
  }

  findOpenCases(): never {
    return unsupported('findOpenCases')
  }
  insertCase(): never {
    return unsupported('insertCase')
  }
  lockDraft(): never {
    return unsupported('lockDraft')
  }
  updateDraft(): never {
    return unsupported('updateDraft')
  }
  claimSend(): never {
    return unsupported('claimSend')
  }
  releaseSend(): never {
    return unsupported('releaseSend')
  }
  lockInDoubtSends(): never {
    return unsupported('lockInDoubtSends')
  }
  findOutboundEcho(): never {
    return unsupported('findOutboundEcho')
  }
  sendStatus(): never {
    return unsupported('sendStatus')
  }
  finishSend(): never {
    return unsupported('finishSend')
  }
  draftSend(): never {
    return unsupported('draftSend')
  }
  markRecalled(): never {
    return unsupported('markRecalled')
  }
  markMessageHandled(): never {
    return unsupported('markMessageHandled')
  }
  insertAttention(): never {
    return unsupported('insertAttention')
  }
  recentAttention(): never {
    return unsupported('recentAttention')
  }
  personEngaged(): never {
    return unsupported('personEngaged')
  }
  clearAttention(): never {
    return unsupported('clearAttention')
  }
  async supersedeDrafts(caseId: number, category: string, at: Date): Promise<number[]> {
    // written with the batch: which drafts it replaces is not known before then
    this.superseded.push({ caseId, category, at })
    return []
  }
  lastCaseInGroup(): never {
    return unsupported('lastCaseInGroup')
  }
  attachAttention(): never {
    return unsupported('attachAttention')
  }
  // a timer's draft has no message behind it: no fan-out limits apply (see team-notices.ts)
  latestSummary(): never {
    return unsupported('latestSummary')
  }
  fanoutState(): never {
    return unsupported('fanoutState')
  }
  updateQueuedText(): never {
    return unsupported('updateQueuedText')
  }
  messagesFrom(): never {
    return unsupported('messagesFrom')
  }
}

function unsupported(method: string): never {
  // a firing that needs this has to go through fireTimer's real transaction
  throw new Error(`${method} is not available inside a timer batch`)
}
