import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DataSource } from 'typeorm'
import { createDataSource, ensureDatabase, runMigrations } from '../../src/adapters/db/data-source.js'
import { loadChain } from '../../src/adapters/db/evidence-store.js'
import { isDatabaseOutage } from '../../src/adapters/db/is-outage.js'
import { SqlStore } from '../../src/adapters/db/sql-store.js'
import { syncDirectory } from '../../src/adapters/db/sync-directory.js'
import { SqlTimerBatchStore } from '../../src/adapters/db/timer-batch-store.js'
import { SqlBatchTx } from '../../src/adapters/db/batch-tx.js'
import type { Queryable } from '../../src/adapters/db/sql.js'
import type { CaseRecord, DraftStatus } from '../../src/app/case-record.js'
import { Directory } from '../../src/app/directory.js'
import { fireTimer, type TimerJob, type TimerOutcome } from '../../src/app/fire-timer.js'
import { fireTimers, type TimerBatchDeps } from '../../src/app/fire-timers.js'
import { TimerBatcher } from '../../src/app/timer-batcher.js'
import { loadTenant } from '../../src/config/load-tenant.js'
import { waitingPartyOf } from '../../src/domain/case-state.js'
import { verifyChain } from '../../src/domain/evidence-hash.js'
import type { CaseState } from '../../src/domain/types.js'
import { buildServices } from '../../src/main/build-services.js'
import { dropSchema, testLogger, TEST_DATABASE_URL, uniqueName } from '../support/test-env.js'
import { draftRecord } from '../support/draft-record.js'

type Row = Record<string, unknown>

/**
 * Every kind of timer a batch can meet: the four steps (a reminder to each party), the stale
 * ones, and one case with three jobs (the next attempt, and a duplicate of the first).
 */
const SCENARIO: Array<{
  label: string
  state: CaseState
  reminders: number
  attention?: boolean
  job?: Partial<TimerJob>
  closed?: boolean
  notDue?: boolean
  extraJobs?: Array<Partial<TimerJob>>
  /** the request to the customer the case waits on, as a draft in this status */
  request?: DraftStatus
}> = [
  { label: 'remind customer (draft, sent directly)', state: 'waiting_customer_material', reminders: 0 },
  { label: 'remind contact while a person must act on the case (draft for review)', state: 'waiting_contact_coordination', reminders: 1, attention: true },
  { label: 'remind partner', state: 'waiting_partner', reminders: 0 },
  { label: 'remind team', state: 'requested', reminders: 0 },
  { label: 'escalate to owner', state: 'waiting_customer_material', reminders: 2 },
  { label: 'escalate to supervisor', state: 'waiting_executor', reminders: 3 },
  { label: 'auto close', state: 'waiting_customer_material', reminders: 4 },
  { label: 'ladder used up, nothing to do', state: 'waiting_partner', reminders: 4 },
  { label: 'stale: state entry moved on', state: 'waiting_partner', reminders: 0, job: { stateVersion: 2 } },
  { label: 'stale: attempt already fired', state: 'waiting_partner', reminders: 1, job: { attempt: 0 } },
  { label: 'stale: case closed', state: 'waiting_customer_material', reminders: 0, closed: true },
  { label: 'stale: not due yet', state: 'waiting_customer_material', reminders: 0, notDue: true },
  { label: 'remind customer whose request still waits for review (the team is told)', state: 'waiting_customer_material', reminders: 0, request: 'pending' },
  { label: 'remind customer whose request was rejected (the team is told)', state: 'waiting_contact_coordination', reminders: 0, request: 'rejected' },
  { label: 'remind customer whose request was sent (draft)', state: 'waiting_executor', reminders: 0, request: 'approved' },
  { label: 'three jobs of one case', state: 'waiting_partner', reminders: 0, extraJobs: [{ attempt: 0 }, { attempt: 1 }] },
]

describe('firing timers in batches (one transaction per batch)', () => {
  const schema = uniqueName('t')
  let ds: DataSource
  let deps: TimerBatchDeps & Parameters<typeof fireTimer>[0]
  const now = new Date()
  const fired: Array<{ step: string; lateMs: number }> = []

  beforeAll(async () => {
    await ensureDatabase({ url: TEST_DATABASE_URL, schema })
    ds = await createDataSource({ url: TEST_DATABASE_URL, schema }).initialize()
    await runMigrations(ds)
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.policy = {
      quietHours: { start: '00:00', end: '00:00' },
      automaticCategories: ['reminder'],
      autoClose: { enabled: true },
      waits: Object.fromEntries(
        ['waiting_customer_material', 'waiting_contact_coordination', 'waiting_executor', 'waiting_partner', 'requested'].map((s) => [
          s,
          { dueIn: '2d', firstReminderAfter: '1h', remindEvery: '1h', remindersBeforeEscalation: 2, escalation: ['owner', 'supervisor'] },
        ]),
      ),
    }
    await syncDirectory(ds, tenant)
    const directory = new Directory(tenant)
    const { services, wording } = buildServices(tenant, directory)
    // ids with six digits or more, apart from every other number, so they can be swapped for names
    await ds.query(`SELECT setval(pg_get_serial_sequence('drafts', 'id'), 100000), setval(pg_get_serial_sequence('cases', 'id'), 500000)`)
    deps = {
      store: new SqlStore(ds),
      timerBatches: new SqlTimerBatchStore(ds),
      directory,
      services,
      wording,
      clock: { now: () => now },
      log: testLogger(),
      telemetry: { timerFired: (step, lateMs) => void fired.push({ step, lateMs }) },
    }
  })
  afterAll(async () => {
    await ds?.destroy()
    await dropSchema(schema)
  })

  /** The scenario's cases (each with one earlier evidence event), and its jobs in order. */
  async function seed(): Promise<{ ids: number[]; jobs: TimerJob[] }> {
    const ids: number[] = []
    const jobs: TimerJob[] = []
    for (const s of SCENARIO) {
      const enteredAt = new Date(now.getTime() - 3 * 86_400_000)
      const base: Omit<CaseRecord, 'id'> = {
        customerKey: s.state === 'waiting_executor' ? 'zhao' : 'zhang',
        serviceType: 'after_sales',
        contactId: 'wx-zhang',
        executorId: 'wx-zhang-wife',
        ownerId: 'wx-handler-wang',
        partnerKey: 'anxin',
        orderNo: `DD${ids.length}`,
        state: s.state,
        waitingParty: waitingPartyOf(s.state),
        missingItems: [],
        receivedItems: [],
        awaiting: null,
        appointment: null,
        attentionSince: s.attention ? enteredAt : null,
        dueAt: new Date(now.getTime() + 86_400_000),
        stateEnteredAt: enteredAt,
        stateVersion: 1,
        reminderCount: s.reminders,
        cancellationReason: null,
        customerCompletedAt: null,
        writebackAt: null,
        createdAt: enteredAt,
        updatedAt: enteredAt,
        closedAt: s.closed ? enteredAt : null,
        nextTimerAt: null,
        waitingExternalMs: 0,
        waitingTeamMs: 0,
      }
      const planned = deps.services.planTimer(base)
      base.nextTimerAt = s.notDue ? new Date(now.getTime() + 3_600_000) : (planned?.at ?? new Date(now.getTime() - 60_000))
      const id = await deps.store.transaction(async (tx) => {
        const id = await tx.insertCase(base)
        await tx.appendEvidence(id, { kind: 'case_opened', actor: 'test', at: enteredAt, payload: { label: s.label } })
        if (s.request) {
          const decided = s.request === 'pending' ? null : enteredAt
          await tx.insertDraft(
            draftRecord({
              caseId: id,
              targetGroupKey: base.customerKey === 'zhao' ? 'cust-zhao' : 'cust-zhang',
              text: '麻烦拍一下发票照片发到群里',
              status: s.request,
              knowledge: null,
              decidedBy: decided ? 'wx-handler-wang' : null,
              decidedAt: decided,
              createdAt: enteredAt,
            }),
          )
        }
        return id
      })
      ids.push(id)
      const job = { caseId: id, stateVersion: 1, attempt: s.reminders, ...s.job }
      jobs.push(job, ...(s.extraJobs ?? []).map((j) => ({ ...job, ...j })))
    }
    jobs.push({ caseId: 99_999_999, stateVersion: 1, attempt: 0 }) // a case that is gone
    return { ids, jobs }
  }

  /** What the firings wrote for one case, with case and draft ids replaced by their position. */
  async function written(caseIds: number[]): Promise<unknown[]> {
    const drafts: Row[] = await ds.query(`SELECT * FROM drafts WHERE case_id = ANY($1::bigint[]) ORDER BY id`, [caseIds])
    const names = new Map<number, string>([...caseIds.map((id, i) => [id, `case${i}`] as const), ...drafts.map((d, i) => [Number(d['id']), `draft${i}`] as const)])
    const anon = (v: unknown): unknown => {
      if (typeof v === 'number') return names.get(v) ?? v
      if (typeof v === 'string') return /^\d+$/.test(v) ? (names.get(Number(v)) ?? v) : v.replace(/(?<!\d)\d{6,}(?!\d)/g, (n) => names.get(Number(n)) ?? n)
      if (Array.isArray(v)) return v.map(anon)
      if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, anon(x)]))
      return v
    }
    const out: unknown[] = []
    for (const id of caseIds) {
      const [c]: Row[] = await ds.query(
        `SELECT state, waiting_party, state_version, reminder_count, next_timer_at, due_at, closed_at, updated_at, cancellation_reason, waiting_external_ms, waiting_team_ms, state_entered_at FROM cases WHERE id = $1`,
        [id],
      )
      const sends: Row[] = await ds.query(`SELECT kind, draft_id, group_key, contact_id, text, not_before, created_at, status FROM sends WHERE case_id = $1 ORDER BY id`, [id])
      const ds_: Row[] = await ds.query(
        `SELECT id, target_group_key, category, text, mode, status, risk_flags, risk_details, template_id, decided_by, decided_at, final_text, created_at FROM drafts WHERE case_id = $1 ORDER BY id`,
        [id],
      )
      const events = (await loadChain(ds, id)).map(({ id: _id, prevHash: _p, hash: _h, caseId: _c, ...e }) => e)
      out.push(anon({ case: names.get(id), row: c, sends, drafts: ds_, events }))
    }
    return out
  }

  it('writes exactly what firing the same timers one by one writes, and every chain verifies', async () => {
    const one = await seed()
    const singly: TimerOutcome[] = []
    for (const job of one.jobs) singly.push(await fireTimer(deps, job))
    const firedSingly = fired.splice(0)

    const batch = await seed()
    const batched = await fireTimers(deps, batch.jobs)
    const firedBatched = fired.splice(0)

    expect(batched).toEqual(singly)
    expect(batched).toEqual([
      'remind',
      'remind',
      'remind',
      'remind',
      'escalate_owner',
      'escalate_supervisor',
      'auto_close',
      'stale',
      'stale',
      'stale',
      'stale',
      'stale',
      'remind',
      'remind',
      'remind',
      'remind',
      'stale',
      'remind',
      'stale',
    ])
    expect(await written(batch.ids)).toEqual(await written(one.ids))
    // telemetry: once per firing, with the lateness the evidence records
    expect(firedBatched).toEqual(firedSingly)
    expect(firedBatched).toHaveLength(12)
    expect(firedBatched.every((f) => f.lateMs >= 0)).toBe(true)

    for (const id of [...one.ids, ...batch.ids]) expect(verifyChain(await loadChain(ds, id))).toEqual({ ok: true, events: expect.any(Number) })
    // the case with three jobs: two firings, chained in order after its earlier event
    const chain = await loadChain(ds, batch.ids[SCENARIO.length - 1]!)
    expect(chain.map((e) => [e.seq, e.kind, (e.payload as { attempt?: number }).attempt])).toEqual([
      [1, 'case_opened', undefined],
      [2, 'timer_fired', 0],
      [3, 'timer_fired', 1],
    ])
    // the scenario did reach every write path
    const kinds: Row[] = await ds.query(`SELECT DISTINCT kind FROM sends WHERE case_id = ANY($1::bigint[]) ORDER BY kind`, [batch.ids])
    expect(kinds.map((k) => k['kind'])).toEqual(['draft', 'escalation', 'notice', 'reminder'])
    const [closed]: Row[] = await ds.query(`SELECT state, closed_at FROM cases WHERE id = $1`, [batch.ids[6]])
    expect(closed).toMatchObject({ state: 'cancelled', closed_at: now })
    // a customer is reminded only of a request that reached them; otherwise the team hears of the draft
    const toCustomer = async (label: string): Promise<Row[]> => ds.query(`SELECT kind, group_key, text FROM sends WHERE case_id = $1 ORDER BY id`, [batch.ids[SCENARIO.findIndex((s) => s.label === label)]])
    for (const label of SCENARIO.filter((s) => s.request && s.request !== 'approved').map((s) => s.label)) {
      const [sent, ...more] = await toCustomer(label)
      expect(more, label).toEqual([])
      expect(sent, label).toMatchObject({ kind: 'escalation', group_key: 'internal' })
      expect(String(sent!['text']), label).toMatch(/给客户的请求（草稿#\d+）(待审核|已驳回)，客户没有收到/)
    }
    const [reminded] = await toCustomer('remind customer whose request was sent (draft)')
    expect(reminded).toMatchObject({ kind: 'draft', group_key: 'cust-zhao' })
  })

  it('a batch that makes no draft is decided once, and still writes what firing one by one writes', async () => {
    // the two reminders that make drafts are left out: partner and team reminders, escalations, auto close
    const noDrafts = ({ ids, jobs }: { ids: number[]; jobs: TimerJob[] }) => {
      const keep = ids.filter((_, i) => !SCENARIO[i]!.label.includes('(draft'))
      return { ids: keep, jobs: jobs.filter((j) => keep.includes(j.caseId)) }
    }
    let plans = 0
    const services = deps.services
    const counting = { ...deps, services: { ...services, planTimer: (k: CaseRecord) => (plans++, services.planTimer(k)) } }
    const one = noDrafts(await seed())
    const singly: TimerOutcome[] = []
    for (const job of one.jobs) singly.push(await fireTimer(counting, job))
    const plannedSingly = plans
    const batch = noDrafts(await seed())
    plans = 0
    expect(await fireTimers(counting, batch.jobs)).toEqual(singly)
    expect(singly.filter((o) => o !== 'stale')).toHaveLength(9)
    // decided once: as many plans as firing one by one (a second pass would double them)
    expect(plans).toBe(plannedSingly)
    expect(await written(batch.ids)).toEqual(await written(one.ids))
    fired.splice(0)
  })

  it('uses a few statements for 5 timers and hardly more for 200', async () => {
    const count = async (n: number): Promise<number> => {
      const cases = await Promise.all(Array.from({ length: Math.ceil(n / SCENARIO.length) }, () => seed()))
      const jobs = cases.flatMap((c) => c.jobs).slice(0, n)
      let statements = 0
      await fireTimers(
        {
          ...deps,
          timerBatches: {
            transaction: (fn) =>
              ds.transaction(async (m) => {
                const q: Queryable = { query: (sql: string, params?: unknown[]) => (statements++, m.query(sql, params)) }
                const tx = new SqlBatchTx(q)
                const out = await fn(tx)
                await tx.flush()
                return out
              }),
          },
        },
        jobs,
      )
      return statements
    }
    // lock; read the chain heads; the newest requests to the customers being reminded (one
    // statement for the batch); draft ids (the first trip brings the send ids too); write
    expect(await count(5)).toBe(6)
    // draft ids come 1, 2, 4, 8… at a time (their numbers are read by people): ~32 drafts, six trips
    expect(await count(200)).toBe(10)
    fired.splice(0)
  })

  it('the same job delivered twice, in two batches at once, reminds once', async () => {
    const { ids, jobs } = await seed()
    const job = jobs[2]! // remind partner
    const other = jobs[3]!
    const outcomes = await Promise.all([fireTimers(deps, [job, other]), fireTimers(deps, [job]), fireTimer(deps, job)])
    expect(outcomes.flat().filter((o) => o === 'remind')).toHaveLength(2) // `job` once, `other` once
    const reminders: Array<{ n: number }> = await ds.query(`SELECT count(*)::int AS n FROM sends WHERE case_id = $1 AND kind = 'reminder'`, [ids[2]])
    expect(reminders[0]!.n).toBe(1)
    fired.splice(0)
  })

  it('a batch one case breaks is fired one by one: the others fire, only that timer fails', async () => {
    const { ids, jobs } = await seed()
    const bad = ids[2]! // its reminder to the partner is refused by the database
    await ds.query(`CREATE FUNCTION refuse_send() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.case_id = ${bad} THEN RAISE EXCEPTION 'send refused for case %', NEW.case_id; END IF; RETURN NEW; END $$`)
    await ds.query(`CREATE TRIGGER refuse_send BEFORE INSERT ON sends FOR EACH ROW EXECUTE FUNCTION refuse_send()`)
    try {
      let batches = 0
      const batcher = new TimerBatcher({
        fireBatch: (js) => (batches++, fireTimers(deps, js)),
        fireOne: (job) => fireTimer(deps, job),
        isOutage: isDatabaseOutage,
        log: testLogger(),
      })
      const results = await Promise.allSettled(jobs.map((j) => batcher.fire(j)))
      expect(batches).toBeGreaterThanOrEqual(1)
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [jobs[i]!.caseId] : []))
      expect(failed).toEqual([bad])
      expect(results.filter((r) => r.status === 'fulfilled' && r.value !== 'stale')).toHaveLength(11)
      const firings: Array<{ n: number }> = await ds.query(`SELECT count(*)::int AS n FROM case_events WHERE case_id = ANY($1::bigint[]) AND kind = 'timer_fired'`, [ids])
      expect(firings[0]!.n).toBe(11)
      for (const id of ids) expect(verifyChain(await loadChain(ds, id)).ok).toBe(true)
    } finally {
      await ds.query(`DROP TRIGGER refuse_send ON sends`)
      await ds.query(`DROP FUNCTION refuse_send()`)
    }
    fired.splice(0)
  })
})
