import { In, type DataSource, type EntityManager } from 'typeorm'
import type { NewSend } from '../../app/case-record.js'
import type { ContactEventKind, ContactEventView, ContactFilter, ContactSummary, GrowthStore, GrowthTx, InboundSeen, NewContactEvent, SeenPerson, TagSource, TagView } from '../../app/growth/growth-ports.js'
import { ContactEntity, ContactEventEntity, ContactTagEntity, GroupWelcomeEntity, type ContactRow, type ContactTagRow } from './growth-entities.js'
import { SqlTx } from './sql-store.js'
import { storableText } from '../../domain/storable-text.js'

const HAS_TAG = 'EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = :tag AND t.removed_at IS NULL)'

const MINUTE_MS = 60_000

/** How many contacts' last writes noteInbound remembers (a fresh memory once full: it only saves statements). */
const WRITTEN_MEMORY = 20_000

/** The growth tables through TypeORM's repositories and query builder. */
export class SqlGrowthStore implements GrowthStore {
  /**
   * What this store last wrote of each contact. The upsert below changes nothing for a contact
   * written with the same name less than a minute before the new last message (its WHERE), yet
   * cost a statement per message at a steady 100 msg/s (4,900 of ~65,000 in the benchmark's
   * latency run); such rows are not sent.
   * The columns only move one way (first earlier, last later), so what the row holds is at least
   * as new as what is remembered here and the upsert would skip it too.
   */
  private readonly written = new Map<string, { name: string; personId: string | null; firstAt: number; lastAt: number }>()

  constructor(private readonly ds: DataSource) {}

  transaction<T>(fn: (tx: GrowthTx) => Promise<T>): Promise<T> {
    return this.ds.transaction((m) => fn(new SqlGrowthTx(m)))
  }

  async findContacts(ref: string): Promise<ContactSummary[]> {
    const rows = await this.ds.getRepository(ContactEntity).createQueryBuilder('c').where('c.name = :ref OR c.wecom_id = :ref OR c.person_id = :ref', { ref }).orderBy('c.id').limit(20).getMany()
    return this.withTags(rows)
  }

  async contact(id: number): Promise<ContactSummary | null> {
    const row = await this.ds.getRepository(ContactEntity).findOneBy({ id: String(id) })
    return row ? (await this.withTags([row]))[0]! : null
  }

  async listContacts(f: ContactFilter): Promise<{ items: ContactSummary[]; total: number }> {
    const qb = this.ds.getRepository(ContactEntity).createQueryBuilder('c').orderBy('c.id').skip(f.offset).take(f.limit)
    if (f.tag !== undefined) qb.where(HAS_TAG, { tag: f.tag })
    const [rows, total] = await qb.getManyAndCount()
    return { items: await this.withTags(rows), total }
  }

  async tagsOf(contactId: number): Promise<TagView[]> {
    const rows = await this.ds
      .getRepository(ContactTagEntity)
      .createQueryBuilder('t')
      .where('t.contact_id = :id AND t.removed_at IS NULL', { id: contactId })
      .orderBy('t.applied_at')
      .addOrderBy('t.id')
      .getMany()
    return rows.map(tagView)
  }

  async eventsOf(contactId: number, limit: number): Promise<ContactEventView[]> {
    // message events are the contact's own inbound messages, read where they are stored (message
    // rows written into contact_events before they stopped being copied are not shown twice)
    const rows: Array<{ id: string; kind: string; group_key: string | null; message_id: string | null; detail: ContactEventView['detail']; at: Date }> = await this.ds.query(
      `SELECT * FROM (
         SELECT e.id, e.kind, e.group_key, e.message_id, e.detail, e.at FROM contact_events e WHERE e.contact_id = $1 AND e.kind <> 'message'
         UNION ALL
         SELECT m.id, 'message', m.group_key, m.id, jsonb_build_object('direction', m.direction), m.said_at
           FROM messages m JOIN contacts c ON c.wecom_id = m.talker_id
          WHERE c.id = $1 AND m.direction = 'inbound' AND m.channel IN ('customer', 'public_customer', 'direct')
       ) x ORDER BY at DESC, id DESC LIMIT $2`,
      [contactId, limit],
    )
    return rows.map((r) => ({ id: Number(r.id), kind: r.kind as ContactEventKind, groupKey: r.group_key, messageId: r.message_id === null ? null : Number(r.message_id), detail: r.detail, at: r.at }))
  }

  async noteInbound(seen: readonly InboundSeen[], at: Date): Promise<void> {
    // cleaned as PostgreSQL stores them, one row per stored id (an upsert may not touch a row twice)
    const byId = new Map<string, InboundSeen>()
    for (const s of seen) {
      const wecomId = storableText(s.wecomId)
      const had = byId.get(wecomId)
      const firstAt = had && had.firstAt < s.firstAt ? had.firstAt : s.firstAt
      const lastAt = had && had.lastAt > s.lastAt ? had.lastAt : s.lastAt
      byId.set(wecomId, { wecomId, name: storableText(s.name), personId: s.personId === null ? null : storableText(s.personId), firstAt, lastAt })
    }
    // sorted: concurrent writers lock contact rows in the same order
    const rows = [...byId.values()].filter((r) => this.changes(r)).sort((a, b) => (a.wecomId < b.wecomId ? -1 : a.wecomId > b.wecomId ? 1 : 0))
    if (rows.length === 0) return
    // the rows written come back as they now are: only those are remembered
    const written: Array<{ wecom_id: string; name: string; person_id: string | null; f: Date; l: Date }> = await this.ds.query(
      `INSERT INTO contacts AS c (wecom_id, name, person_id, first_inbound_at, last_inbound_at, created_at, updated_at)
       SELECT w, n, p, f, l, $6, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[]) AS u(w, n, p, f, l)
       ON CONFLICT (wecom_id) DO UPDATE SET
         name = EXCLUDED.name,
         person_id = EXCLUDED.person_id,
         first_inbound_at = LEAST(COALESCE(c.first_inbound_at, EXCLUDED.first_inbound_at), EXCLUDED.first_inbound_at),
         last_inbound_at = GREATEST(COALESCE(c.last_inbound_at, EXCLUDED.last_inbound_at), EXCLUDED.last_inbound_at)
       WHERE c.last_inbound_at IS NULL OR c.last_inbound_at < EXCLUDED.last_inbound_at - interval '1 minute'
          OR c.first_inbound_at > EXCLUDED.first_inbound_at
          OR c.name IS DISTINCT FROM EXCLUDED.name OR c.person_id IS DISTINCT FROM EXCLUDED.person_id
       RETURNING c.wecom_id, c.name, c.person_id, c.first_inbound_at AS f, c.last_inbound_at AS l`,
      [rows.map((r) => r.wecomId), rows.map((r) => r.name), rows.map((r) => r.personId), rows.map((r) => r.firstAt), rows.map((r) => r.lastAt), at],
    )
    if (this.written.size + written.length > WRITTEN_MEMORY) this.written.clear()
    for (const w of written) this.written.set(w.wecom_id, { name: w.name, personId: w.person_id, firstAt: w.f.getTime(), lastAt: w.l.getTime() })
  }

  /** Whether the upsert would change this contact's row, as far as this store's own last write tells. */
  private changes(r: InboundSeen): boolean {
    const w = this.written.get(r.wecomId)
    if (!w || w.name !== r.name || w.personId !== r.personId) return true
    return r.firstAt.getTime() < w.firstAt || r.lastAt.getTime() - MINUTE_MS > w.lastAt
  }

  async silentContacts(before: Date, withoutTag: string, limit: number): Promise<number[]> {
    const rows = await this.ds
      .getRepository(ContactEntity)
      .createQueryBuilder('c')
      .select('c.id', 'id')
      .where('COALESCE(c.last_inbound_at, c.created_at) < :before', { before })
      .andWhere(`NOT ${HAS_TAG}`, { tag: withoutTag })
      .orderBy('COALESCE(c.last_inbound_at, c.created_at)')
      .limit(limit)
      .getRawMany<{ id: string }>()
    return rows.map((r) => Number(r.id))
  }

  private async withTags(rows: ContactRow[]): Promise<ContactSummary[]> {
    if (rows.length === 0) return []
    const tags = await this.ds
      .getRepository(ContactTagEntity)
      .createQueryBuilder('t')
      .where('t.contact_id IN (:...ids) AND t.removed_at IS NULL', { ids: rows.map((r) => r.id) })
      .orderBy('t.applied_at')
      .addOrderBy('t.id')
      .getMany()
    return rows.map((r) => ({
      id: Number(r.id),
      wecomId: r.wecomId,
      name: r.name,
      personId: r.personId,
      stage: r.stage,
      firstInboundAt: r.firstInboundAt,
      lastInboundAt: r.lastInboundAt,
      lastOutboundAt: r.lastOutboundAt,
      tags: tags.filter((t) => t.contactId === r.id).map((t) => t.tag),
    }))
  }
}

const tagView = (t: ContactTagRow): TagView => ({ tag: t.tag, dimension: t.dimension, source: t.source as TagSource, appliedBy: t.appliedBy, appliedAt: t.appliedAt })

export class SqlGrowthTx implements GrowthTx {
  private readonly sends: SqlTx
  constructor(private readonly m: EntityManager) {
    this.sends = new SqlTx(m)
  }

  async upsertContacts(people: readonly SeenPerson[], at: Date): Promise<Map<string, number>> {
    const unique = [...new Map(people.map((p) => [p.wecomId, p])).values()].sort((a, b) => a.wecomId.localeCompare(b.wecomId))
    if (unique.length === 0) return new Map()
    // one multi-row upsert (sorted: concurrent batches lock rows in the same order)
    await this.m
      .createQueryBuilder()
      .insert()
      .into(ContactEntity)
      .values(unique.map((p) => ({ wecomId: p.wecomId, name: p.name, personId: p.personId, createdAt: at, updatedAt: at })))
      .orUpdate(['name', 'person_id'], ['wecom_id'])
      .execute()
    const rows = await this.m.getRepository(ContactEntity).find({ select: { id: true, wecomId: true }, where: { wecomId: In(unique.map((p) => p.wecomId)) } })
    const byStored = new Map(rows.map((row) => [row.wecomId, Number(row.id)]))
    // keyed by the ids as given: an id PostgreSQL cannot hold as sent (a NUL, a lone surrogate) is stored cleaned
    return new Map(
      unique.flatMap((p) => {
        const id = byStored.get(storableText(p.wecomId))
        return id === undefined ? [] : [[p.wecomId, id] as const]
      }),
    )
  }

  async appendEvents(events: readonly NewContactEvent[]): Promise<void> {
    if (events.length === 0) return
    await this.m
      .getRepository(ContactEventEntity)
      .insert(events.map((e) => ({ contactId: String(e.contactId), kind: e.kind, groupKey: e.groupKey ?? null, messageId: e.messageId == null ? null : String(e.messageId), detail: e.detail ?? {}, at: e.at })))
  }

  async liveTags(contactId: number): Promise<TagView[]> {
    // locks the contact: two tag changes of one contact (an exclusive dimension) run one after the other
    await this.m.getRepository(ContactEntity).createQueryBuilder('c').setLock('pessimistic_write').where('c.id = :id', { id: contactId }).getOne()
    const rows = await this.m.getRepository(ContactTagEntity).createQueryBuilder('t').where('t.contact_id = :id AND t.removed_at IS NULL', { id: contactId }).getMany()
    return rows.map(tagView)
  }

  async addTag(contactId: number, t: { tag: string; dimension: string; source: TagSource; by: string; at: Date }): Promise<boolean> {
    const r = await this.m
      .createQueryBuilder()
      .insert()
      .into(ContactTagEntity)
      .values({ contactId: String(contactId), tag: t.tag, dimension: t.dimension, source: t.source, appliedBy: t.by, appliedAt: t.at })
      .orIgnore()
      .returning(['id'])
      .execute()
    return (r.raw as unknown[]).length > 0
  }

  async removeTag(contactId: number, tag: string, by: string, at: Date): Promise<boolean> {
    const r = await this.m
      .createQueryBuilder()
      .update(ContactTagEntity)
      .set({ removedAt: at, removedBy: by })
      .where('contact_id = :contactId AND tag = :tag AND removed_at IS NULL', { contactId, tag })
      .execute()
    return (r.affected ?? 0) > 0
  }

  async setStage(contactId: number, stage: string | null, at: Date): Promise<void> {
    await this.m.getRepository(ContactEntity).update({ id: String(contactId) }, { stage, updatedAt: at })
  }

  async noteOutbound(contactId: number, at: Date): Promise<void> {
    await this.noteMessagesTimesOnly(contactId, at)
  }

  private async noteMessagesTimesOnly(contactId: number, at: Date): Promise<void> {
    await this.m
      .createQueryBuilder()
      .update(ContactEntity)
      .set({ firstOutboundAt: () => 'LEAST(COALESCE(first_outbound_at, :at), :at)', lastOutboundAt: () => 'GREATEST(COALESCE(last_outbound_at, :at), :at)' })
      .where('id = :id', { id: contactId })
      .setParameters({ at })
      .execute()
  }

  async claimWelcome(groupKey: string, memberId: string, at: Date): Promise<number | null> {
    const r = await this.m.createQueryBuilder().insert().into(GroupWelcomeEntity).values({ groupKey, memberId, createdAt: at }).orIgnore().returning(['id']).execute()
    const row = (r.raw as { id: string }[])[0]
    return row ? Number(row.id) : null
  }

  async setWelcomeSend(welcomeId: number, sendId: number): Promise<void> {
    await this.m.getRepository(GroupWelcomeEntity).update({ id: String(welcomeId) }, { sendId: String(sendId) })
  }

  insertSend(s: NewSend, at: Date): Promise<number> {
    return this.sends.insertSend(s, at)
  }
}
