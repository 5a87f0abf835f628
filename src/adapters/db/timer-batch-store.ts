import type { DataSource } from 'typeorm'
import type { CaseRecord } from '../../app/case-record.js'
import type { TimerBatchStore, TimerBatchTx, TimerBatchWrites } from '../../app/fire-timers.js'
import { chainEvidence, evidenceHeads, HEADS_SELECT, insertEvents, type ChainHead } from './evidence-batch.js'
import { SUPERSEDE_DRAFTS } from './sql-store.js'
import { CaseEntity, DraftEntity, SendEntity, type CaseRow } from './core-entities.js'
import { newSendRow, toCaseRecord } from './core-rows.js'
import { bySameFields, insertRows, updateRows, type BuiltSql } from './entity-columns.js'
import type { Queryable } from './sql.js'

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
    // the same builders as every other writer; each takes the next parameter's place
    const add = (name: string, build: (p: string) => BuiltSql | null) => {
      const built = build(`$${params.length + 1}`)
      if (!built || built.columns.length === 0) return
      params.push(built.value)
      ctes.push(`${name} AS (${built.sql})`)
    }
    // one statement: RI checks run at its end, so a send may refer to a draft of the same statement.
    // Its sub-statements share one snapshot, so superseding never touches the drafts it inserts.
    for (const s of w.superseded) ctes.push(`superseded${ctes.length} AS (${SUPERSEDE_DRAFTS(param(s.caseId), param(s.category), param(s.at))})`)
    add('drafts_in', (p) => insertRows(DraftEntity, w.drafts, p))
    add('sends_in', (p) =>
      insertRows(
        SendEntity,
        w.sends.map((s) => newSendRow(s, s.at, s.id)),
        p,
      ),
    )
    // one UPDATE per set of patched fields (a firing patches one of a few fixed sets), so a field nobody patched is never rewritten
    const patches = w.caseUpdates.map((u) => ({ ...u.patch, id: u.id }) as Partial<CaseRow>)
    for (const [i, group] of bySameFields(patches).entries()) add(`cases_up${i}`, (p) => updateRows(CaseEntity, group, p))
    if (w.evidence.length > 0) add('events_in', (p) => insertEvents(chainEvidence(heads, w.evidence), p))
    if (ctes.length > 0) await this.q.query(`WITH ${ctes.join(',\n')} SELECT 1`, params)
  }
}

/** Timer batches, each in its own PostgreSQL transaction. */
export class SqlTimerBatchStore implements TimerBatchStore {
  constructor(private readonly ds: DataSource) {}
  transaction<T>(fn: (tx: TimerBatchTx) => Promise<T>): Promise<T> {
    return this.ds.transaction((manager) => fn(new SqlTimerBatchTx(manager)))
  }
}
