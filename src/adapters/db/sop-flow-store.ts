import type { DataSource, EntityManager } from 'typeorm'
import type { DraftRecord } from '../../app/case-record.js'
import type { FlowContact, LockedStep, LoggedEvent, NewOccurrence, Occurrence, OccurrenceStatus, SopFlowStore, SopFlowTx, StepRef } from '../../app/growth/sop-flow-ports.js'
import type { FlowDefinition } from '../../domain/growth/growth-config.js'
import { SqlGrowthTx } from './growth-store.js'
import { FlowRunEntity, FlowStepEntity, GrowthCursorEntity, SopOccurrenceEntity } from './sop-flow-entities.js'
import { SqlTx } from './sql-store.js'

type Detail = Record<string, string | number | boolean | null>

/** a send gives up within hours (its retries): posts older than this are not looked at again */
const FAILED_WITHIN_MS = 2 * 86_400_000

/** The SOP calendar's and the flows' tables (see migrations/1764001900000-sop-and-flows.ts). */
export class SqlSopFlowStore implements SopFlowStore {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(fn: (tx: SopFlowTx) => Promise<T>): Promise<T> {
    return this.ds.transaction((m) => fn(new SqlSopFlowTx(m)))
  }

  async settleTracked(graceMs: number, at: Date): Promise<number> {
    // a reviewed post went out as its draft's send; on time when approved within the grace
    const sent: unknown[] = await this.ds.query(
      `UPDATE sop_occurrences o SET status = 'sent', send_id = s.id, sent_at = s.created_at, on_time = (s.created_at - o.due_at) <= make_interval(secs => $1::double precision / 1000), updated_at = $2
         FROM sends s WHERE o.status = 'awaiting_review' AND s.draft_id = o.draft_id AND s.kind = 'draft' RETURNING o.id`,
      [graceMs, at],
    )
    const missed: unknown[] = await this.ds.query(
      `UPDATE sop_occurrences o SET status = 'missed', updated_at = $1 FROM drafts d
        WHERE o.status = 'awaiting_review' AND d.id = o.draft_id AND d.status IN ('rejected','expired','taken_over','superseded') RETURNING o.id`,
      [at],
    )
    const failed: unknown[] = await this.ds.query(
      `UPDATE sop_occurrences o SET status = 'failed', on_time = NULL, updated_at = $1 FROM sends s
        WHERE o.status = 'sent' AND o.sent_at > $2 AND s.id = o.send_id AND s.status = 'failed' RETURNING o.id`,
      [at, new Date(at.getTime() - FAILED_WITHIN_MS)],
    )
    return rowsOf(sent) + rowsOf(missed) + rowsOf(failed)
  }

  async exitReplied(at: Date): Promise<number> {
    return this.ds.transaction(async (m) => {
      const raw: unknown[] = await m.query(
        `UPDATE flow_runs r SET status = 'exited', exit_reason = 'replied', ended_at = $1 FROM contacts c
          WHERE r.status = 'running' AND (r.definition->>'exitOnReply')::boolean AND c.id = r.contact_id AND c.last_inbound_at > r.started_at RETURNING r.id`,
        [at],
      )
      const rows = returned<{ id: string }>(raw)
      if (rows.length === 0) return 0
      await m.query(`UPDATE flow_steps SET status = 'cancelled', outcome = '{"reason":"replied"}'::jsonb, done_at = $1 WHERE status = 'pending' AND run_id = ANY($2::bigint[])`, [at, rows.map((r) => r.id)])
      return rows.length
    })
  }

  async pendingSteps(afterId: number, limit: number): Promise<StepRef[]> {
    const rows = await this.ds.getRepository(FlowStepEntity).createQueryBuilder('s').where(`s.status = 'pending' AND s.id > :afterId`, { afterId }).orderBy('s.id').limit(limit).getMany()
    return rows.map((r) => ({ id: Number(r.id), dueAt: r.dueAt }))
  }
}

/** `UPDATE … RETURNING` through TypeORM's pg driver comes back as [rows, count] */
function returned<T>(raw: unknown[]): T[] {
  return (Array.isArray(raw[0]) ? raw[0] : raw) as T[]
}
const rowsOf = (raw: unknown[]): number => returned(raw).length

class SqlSopFlowTx implements SopFlowTx {
  readonly growth: SqlGrowthTx
  private readonly core: SqlTx
  constructor(private readonly m: EntityManager) {
    this.growth = new SqlGrowthTx(m)
    this.core = new SqlTx(m)
  }

  insertDraft(d: Omit<DraftRecord, 'id'>): Promise<number> {
    return this.core.insertDraft(d)
  }

  async lastOccurrences(itemKey: string, groupKeys: readonly string[]): Promise<Map<string, Date>> {
    const rows: { group_key: string; due_at: Date }[] = await this.m.query(
      `SELECT group_key, max(due_at) AS due_at FROM sop_occurrences WHERE item_key = $1 AND group_key = ANY($2::text[]) GROUP BY group_key`,
      [itemKey, groupKeys],
    )
    return new Map(rows.map((r) => [r.group_key, r.due_at]))
  }

  async recordOccurrences(rows: readonly NewOccurrence[], at: Date): Promise<number> {
    if (rows.length === 0) return 0
    const r = await this.m
      .createQueryBuilder()
      .insert()
      .into(SopOccurrenceEntity)
      .values(rows.map((o) => ({ ...o, createdAt: at, updatedAt: at })))
      .orIgnore()
      .returning(['id'])
      .execute()
    return (r.raw as unknown[]).length
  }

  async claimPending(limit: number): Promise<Occurrence[]> {
    const rows = await this.m
      .getRepository(SopOccurrenceEntity)
      .createQueryBuilder('o')
      .where(`o.status = 'pending'`)
      .orderBy('o.due_at')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany()
    return rows.map((r) => ({ id: Number(r.id), itemKey: r.itemKey, groupType: r.groupType, groupKey: r.groupKey, dueAt: r.dueAt, status: r.status }))
  }

  async settleOccurrence(id: number, s: { status: OccurrenceStatus; sendId?: number; draftId?: number; sentAt?: Date; onTime?: boolean }, at: Date): Promise<void> {
    await this.m.getRepository(SopOccurrenceEntity).update(
      { id: String(id) },
      {
        status: s.status,
        updatedAt: at,
        ...(s.sendId !== undefined ? { sendId: String(s.sendId) } : {}),
        ...(s.draftId !== undefined ? { draftId: String(s.draftId) } : {}),
        ...(s.sentAt !== undefined ? { sentAt: s.sentAt } : {}),
        ...(s.onTime !== undefined ? { onTime: s.onTime } : {}),
      },
    )
  }

  async lockCursor(name: string): Promise<number | null> {
    const row = await this.m.getRepository(GrowthCursorEntity).createQueryBuilder('c').setLock('pessimistic_write').where('c.name = :name', { name }).getOne()
    if (row) return Number(row.lastId)
    // two first reads at once: one inserts, the other waits on the row and reads it
    await this.m.query(`INSERT INTO growth_cursors (name, last_id) VALUES ($1, -1) ON CONFLICT DO NOTHING`, [name])
    const again = await this.m.getRepository(GrowthCursorEntity).createQueryBuilder('c').setLock('pessimistic_write').where('c.name = :name', { name }).getOne()
    return again && Number(again.lastId) >= 0 ? Number(again.lastId) : null
  }

  async writeCursor(name: string, lastId: number): Promise<void> {
    await this.m.getRepository(GrowthCursorEntity).update({ name }, { lastId: String(lastId) })
  }

  async maxEventId(): Promise<number> {
    const rows: { id: string | null }[] = await this.m.query(`SELECT max(id) AS id FROM contact_events`)
    return Number(rows[0]?.id ?? 0)
  }

  async eventsAfter(afterId: number, limit: number): Promise<LoggedEvent[]> {
    const rows: { id: string; contact_id: string; kind: string; group_key: string | null; detail: Detail; at: Date }[] = await this.m.query(
      `SELECT id, contact_id, kind, group_key, detail, at FROM contact_events WHERE id > $1 AND kind IN ('joined_group','tag_added') ORDER BY id LIMIT $2`,
      [afterId, limit],
    )
    return rows.map((r) => ({ id: Number(r.id), contactId: Number(r.contact_id), kind: r.kind, groupKey: r.group_key, detail: r.detail, at: r.at }))
  }

  async triggersHandled(eventIds: readonly number[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set()
    const rows: { flow_key: string; trigger_event_id: string }[] = await this.m.query(`SELECT flow_key, trigger_event_id FROM flow_runs WHERE trigger_event_id = ANY($1::bigint[])`, [eventIds])
    return new Set(rows.map((r) => `${r.flow_key} ${r.trigger_event_id}`))
  }

  async startRun(r: { contactId: number; flowKey: string; version: string; definition: FlowDefinition; triggerEventId: number; at: Date }): Promise<number | null> {
    const row = { contactId: String(r.contactId), flowKey: r.flowKey, flowVersion: r.version, definition: r.definition, currentStep: 0, triggerEventId: String(r.triggerEventId), startedAt: r.at }
    const res = await this.m
      .createQueryBuilder()
      .insert()
      .into(FlowRunEntity)
      .values({ ...row, status: 'running' })
      .orIgnore()
      .returning(['id'])
      .execute()
    const id = (res.raw as { id: string }[])[0]?.id
    if (id !== undefined) return Number(id)
    // the contact is in this flow already (or this trigger was handled): the trigger is kept as
    // a run that ended at once, so reading the event again never starts the flow later
    await this.m
      .createQueryBuilder()
      .insert()
      .into(FlowRunEntity)
      .values({ ...row, status: 'exited', exitReason: 'already_in_flow', endedAt: r.at })
      .orIgnore()
      .execute()
    return null
  }

  async insertStep(runId: number, index: number, dueAt: Date): Promise<StepRef | null> {
    const res = await this.m
      .createQueryBuilder()
      .insert()
      .into(FlowStepEntity)
      .values({ runId: String(runId), stepIndex: index, dueAt, status: 'pending' })
      .orIgnore()
      .returning(['id'])
      .execute()
    const row = (res.raw as { id: string }[])[0]
    return row ? { id: Number(row.id), dueAt } : null
  }

  async lockStep(stepId: number, now: Date): Promise<LockedStep | null> {
    const rows: { id: string; step_index: number; run_id: string; contact_id: string; flow_key: string; definition: FlowDefinition; started_at: Date }[] = await this.m.query(
      `SELECT s.id, s.step_index, s.run_id, r.contact_id, r.flow_key, r.definition, r.started_at
         FROM flow_steps s JOIN flow_runs r ON r.id = s.run_id
        WHERE s.id = $1 AND s.status = 'pending' AND s.due_at <= $2 AND r.status = 'running'
        FOR UPDATE OF s, r`,
      [stepId, now],
    )
    const r = rows[0]
    return r ? { stepId: Number(r.id), index: r.step_index, runId: Number(r.run_id), contactId: Number(r.contact_id), flowKey: r.flow_key, definition: r.definition, startedAt: r.started_at } : null
  }

  async finishStep(stepId: number, status: 'done' | 'skipped' | 'cancelled', outcome: Detail, at: Date): Promise<void> {
    await this.m.getRepository(FlowStepEntity).update({ id: String(stepId) }, { status, outcome, doneAt: at })
  }

  async advanceRun(runId: number, index: number): Promise<void> {
    await this.m.getRepository(FlowRunEntity).update({ id: String(runId) }, { currentStep: index })
  }

  async endRun(runId: number, status: 'completed' | 'exited', reason: string | null, at: Date): Promise<void> {
    await this.m.getRepository(FlowRunEntity).update({ id: String(runId) }, { status, exitReason: reason, endedAt: at })
  }

  async flowContact(contactId: number): Promise<FlowContact> {
    const rows: { name: string; wecom_id: string; last_inbound_at: Date | null; tags: string[] | null }[] = await this.m.query(
      `SELECT c.name, c.wecom_id, c.last_inbound_at, (SELECT array_agg(t.tag) FROM contact_tags t WHERE t.contact_id = c.id AND t.removed_at IS NULL) AS tags FROM contacts c WHERE c.id = $1`,
      [contactId],
    )
    const r = rows[0]!
    return { name: r.name, wecomId: r.wecom_id, lastInboundAt: r.last_inbound_at, tags: r.tags ?? [] }
  }
}
