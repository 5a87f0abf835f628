import type { DataSource } from 'typeorm'
import type { CaseRecord } from '../../app/case-record.js'
import type { TimerBatchStore, TimerBatchTx, TimerBatchWrites } from '../../app/fire-timers.js'
import type { CasePatch } from '../../app/store.js'
import { chainEvidence, evidenceHeads, evidenceRows, HEADS_SELECT, INSERT_EVIDENCE, type ChainHead } from './evidence-batch.js'
import { SUPERSEDE_DRAFTS, toCaseRecord } from './sql-store.js'
import type { Queryable } from './sql.js'
import { storableJson } from './storable.js'

/** Column and SQL type of every case field a patch may carry (jsonb_to_recordset needs both). */
const CASE_PATCH_COLUMNS: Record<keyof CasePatch, [string, string]> = {
  customerKey: ['customer_key', 'text'],
  serviceType: ['service_type', 'text'],
  contactId: ['contact_id', 'text'],
  executorId: ['executor_id', 'text'],
  ownerId: ['owner_id', 'text'],
  partnerKey: ['partner_key', 'text'],
  orderNo: ['order_no', 'text'],
  state: ['state', 'text'],
  waitingParty: ['waiting_party', 'text'],
  missingItems: ['missing_items', 'text[]'],
  receivedItems: ['received_items', 'text[]'],
  awaiting: ['awaiting', 'text'],
  appointment: ['appointment', 'jsonb'],
  attentionSince: ['attention_since', 'timestamptz'],
  dueAt: ['due_at', 'timestamptz'],
  stateEnteredAt: ['state_entered_at', 'timestamptz'],
  stateVersion: ['state_version', 'integer'],
  reminderCount: ['reminder_count', 'integer'],
  cancellationReason: ['cancellation_reason', 'text'],
  customerCompletedAt: ['customer_completed_at', 'timestamptz'],
  writebackAt: ['writeback_at', 'timestamptz'],
  updatedAt: ['updated_at', 'timestamptz'],
  closedAt: ['closed_at', 'timestamptz'],
  nextTimerAt: ['next_timer_at', 'timestamptz'],
  waitingExternalMs: ['waiting_external_ms', 'bigint'],
  waitingTeamMs: ['waiting_team_ms', 'bigint'],
}

const INSERT_DRAFTS = (param: string) => `INSERT INTO drafts (id, case_id, target_group_key, category, text, mode, status, risk_flags, risk_details, candidates,
     template_id, template_version, template_hash, source_message_id, decided_by, decided_at, final_text, decision_note, created_at)
   SELECT r.id, r.case_id, r.target_group_key, r.category, r.text, r.mode, r.status, r.risk_flags, r.risk_details, r.candidates,
          r.template_id, r.template_version, r.template_hash, r.source_message_id, r.decided_by, r.decided_at, r.final_text, r.decision_note, r.created_at
     FROM jsonb_to_recordset(${param}::jsonb) AS r(id bigint, case_id bigint, target_group_key text, category text, text text, mode text, status text,
          risk_flags text[], risk_details jsonb, candidates bigint[], template_id text, template_version integer, template_hash text,
          source_message_id bigint, decided_by text, decided_at timestamptz, final_text text, decision_note text, created_at timestamptz)`

const INSERT_SENDS = (param: string) => `INSERT INTO sends (id, kind, draft_id, case_id, group_key, contact_id, text, not_before, created_at)
   SELECT r.id, r.kind, r.draft_id, r.case_id, r.group_key, r.contact_id, r.text, r.not_before, r.created_at
     FROM jsonb_to_recordset(${param}::jsonb) AS r(id bigint, kind text, draft_id bigint, case_id bigint, group_key text, contact_id text,
          text text, not_before timestamptz, created_at timestamptz)
    ORDER BY r.id`

/**
 * The SQL side of a timer batch: three statements between BEGIN and COMMIT whatever its size
 * (lock; reserve ids and read the evidence chain heads; write everything). Each round trip counts:
 * during a rush the event loop is busy with the queue, and a batch waits for every reply.
 */
export class SqlTimerBatchTx implements TimerBatchTx {
  private locked: number[] = []
  private heads: Map<number, ChainHead> | null = null

  constructor(private readonly q: Queryable) {}

  async lockCases(ids: readonly number[]): Promise<CaseRecord[]> {
    // ORDER BY below FOR UPDATE: rows are locked in id order, so overlapping batches (two
    // workers) wait for each other instead of deadlocking
    const rows: Record<string, unknown>[] = await this.q.query(`SELECT * FROM cases WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`, [ids])
    this.locked = rows.map((r) => Number(r['id']))
    return rows.map(toCaseRecord)
  }

  async reserveIds(n: { drafts: number; sends: number }): Promise<{ drafts: number[]; sends: number[] }> {
    // the chain heads of the locked cases ride along (read after the locks, so they are current)
    const [r]: Array<{ drafts: string[]; sends: string[]; heads: Array<{ case_id: number; seq: number; hash: string }> | null }> = await this.q.query(
      `SELECT ARRAY(SELECT nextval(pg_get_serial_sequence('drafts', 'id')) FROM generate_series(1, $1::int)) AS drafts,
              ARRAY(SELECT nextval(pg_get_serial_sequence('sends', 'id')) FROM generate_series(1, $2::int)) AS sends,
              (SELECT json_agg(x) FROM (SELECT ${HEADS_SELECT('$3')}) x) AS heads`,
      [n.drafts, n.sends, this.locked],
    )
    this.heads = new Map((r!.heads ?? []).map((h) => [Number(h.case_id), { seq: h.seq, hash: h.hash }]))
    const ascending = (ids: string[]) => ids.map(Number).sort((a, b) => a - b)
    return { drafts: ascending(r!.drafts), sends: ascending(r!.sends) }
  }

  async write(w: TimerBatchWrites): Promise<void> {
    const heads = this.heads ?? (await evidenceHeads(this.q, [...new Set(w.evidence.map((e) => e.caseId))]))
    this.heads = null
    const ctes: string[] = []
    const params: unknown[] = []
    const param = (value: unknown) => `$${params.push(value)}`
    // one statement: RI checks run at its end, so a send may refer to a draft of the same statement.
    // Its sub-statements share one snapshot, so superseding never touches the drafts it inserts.
    for (const s of w.superseded) ctes.push(`superseded${ctes.length} AS (${SUPERSEDE_DRAFTS(param(s.caseId), param(s.category), param(s.at))})`)
    if (w.drafts.length > 0) ctes.push(`drafts_in AS (${INSERT_DRAFTS(param(draftRows(w.drafts)))})`)
    if (w.sends.length > 0) ctes.push(`sends_in AS (${INSERT_SENDS(param(sendRows(w.sends)))})`)
    for (const [i, u] of caseUpdates(w.caseUpdates).entries()) {
      ctes.push(`cases_up${i} AS (UPDATE cases AS c SET ${u.cols.map((c) => `${c.col} = v.${c.col}`).join(', ')}
         FROM jsonb_to_recordset(${param(u.rows)}::jsonb) AS v(id bigint, ${u.cols.map((c) => `${c.col} ${c.type}`).join(', ')})
        WHERE c.id = v.id)`)
    }
    if (w.evidence.length > 0) ctes.push(`events_in AS (${INSERT_EVIDENCE(param(evidenceRows(chainEvidence(heads, w.evidence))))})`)
    if (ctes.length > 0) await this.q.query(`WITH ${ctes.join(',\n')} SELECT 1`, params)
  }
}

function draftRows(drafts: TimerBatchWrites['drafts']): string {
  return storableJson(
    drafts.map((d) => ({
      id: d.id,
      case_id: d.caseId,
      target_group_key: d.targetGroupKey,
      category: d.category,
      text: d.text,
      mode: d.mode,
      status: d.status,
      risk_flags: d.riskFlags,
      risk_details: d.riskDetails,
      candidates: d.candidates,
      template_id: d.templateId,
      template_version: d.templateVersion,
      template_hash: d.templateHash,
      source_message_id: d.sourceMessageId,
      decided_by: d.decidedBy,
      decided_at: d.decidedAt,
      final_text: d.finalText,
      decision_note: d.decisionNote,
      created_at: d.createdAt,
    })),
  )
}

function sendRows(sends: TimerBatchWrites['sends']): string {
  return storableJson(
    sends.map((s) => ({
      id: s.id,
      kind: s.kind,
      draft_id: s.draftId ?? null,
      case_id: s.caseId ?? null,
      group_key: s.groupKey ?? null,
      contact_id: s.contactId ?? null,
      text: s.text,
      not_before: s.notBefore ?? null,
      created_at: s.at,
    })),
  )
}

/**
 * One UPDATE per set of patched fields (a firing patches one of a few fixed sets, so a batch
 * needs one to three), so a field nobody patched is never rewritten.
 */
function caseUpdates(updates: TimerBatchWrites['caseUpdates']): Array<{ cols: Array<{ col: string; type: string }>; rows: string }> {
  const bySet = new Map<string, Array<{ id: number; patch: CasePatch }>>()
  for (const u of updates) {
    const keys = (Object.keys(u.patch) as Array<keyof CasePatch>).filter((k) => u.patch[k] !== undefined).sort()
    if (keys.length === 0) continue
    for (const k of keys) if (!CASE_PATCH_COLUMNS[k]) throw new Error(`case field ${k} cannot be patched by a timer batch`)
    const set = keys.join(',')
    const group = bySet.get(set)
    if (group) group.push(u)
    else bySet.set(set, [u])
  }
  return [...bySet].map(([set, group]) => {
    const keys = set.split(',') as Array<keyof CasePatch>
    const cols = keys.map((k) => ({ col: CASE_PATCH_COLUMNS[k][0], type: CASE_PATCH_COLUMNS[k][1] }))
    return { cols, rows: storableJson(group.map((u) => Object.fromEntries([['id', u.id], ...keys.map((k, i) => [cols[i]!.col, u.patch[k]])]))) }
  })
}

/** Timer batches, each in its own PostgreSQL transaction. */
export class SqlTimerBatchStore implements TimerBatchStore {
  constructor(private readonly ds: DataSource) {}
  transaction<T>(fn: (tx: TimerBatchTx) => Promise<T>): Promise<T> {
    return this.ds.transaction((manager) => fn(new SqlTimerBatchTx(manager)))
  }
}
