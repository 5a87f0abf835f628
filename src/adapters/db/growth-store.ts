import { In, type DataSource, type EntityManager } from 'typeorm'
import type { NewSend } from '../../app/case-record.js'
import type { ContactEventKind, ContactEventView, ContactFilter, ContactSummary, GrowthStore, GrowthTx, MessageActivity, NewContactEvent, SeenPerson, TagSource, TagView } from '../../app/growth/growth-ports.js'
import { ContactEntity, ContactEventEntity, ContactTagEntity, GroupWelcomeEntity, type ContactRow, type ContactTagRow } from './growth-entities.js'
import { SqlTx } from './sql-store.js'
import { storableText } from '../../domain/storable-text.js'

const HAS_TAG = 'EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = :tag AND t.removed_at IS NULL)'

/** The growth tables through TypeORM's repositories and query builder. */
export class SqlGrowthStore implements GrowthStore {
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
    const rows = await this.ds.getRepository(ContactEventEntity).createQueryBuilder('e').where('e.contact_id = :id', { id: contactId }).orderBy('e.id', 'DESC').limit(limit).getMany()
    return rows.map((r) => ({ id: Number(r.id), kind: r.kind as ContactEventKind, groupKey: r.groupKey, messageId: r.messageId === null ? null : Number(r.messageId), detail: r.detail, at: r.at }))
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

  async noteMessages(items: readonly MessageActivity[]): Promise<void> {
    if (items.length === 0) return
    const byContact = new Map<number, { inbound: Date[]; outbound: Date[] }>()
    for (const i of items) {
      const e = byContact.get(i.contactId) ?? { inbound: [], outbound: [] }
      e[i.direction].push(i.at)
      byContact.set(i.contactId, e)
    }
    for (const [id, e] of [...byContact].sort((a, b) => a[0] - b[0])) {
      const set: Record<string, () => string> = {}
      const params: Record<string, Date> = {}
      for (const dir of ['inbound', 'outbound'] as const) {
        const times = e[dir]
        if (times.length === 0) continue
        params[`${dir}Min`] = new Date(Math.min(...times.map((t) => t.getTime())))
        params[`${dir}Max`] = new Date(Math.max(...times.map((t) => t.getTime())))
        set[`first${dir === 'inbound' ? 'Inbound' : 'Outbound'}At`] = () => `LEAST(COALESCE(first_${dir}_at, :${dir}Min), :${dir}Min)`
        set[`last${dir === 'inbound' ? 'Inbound' : 'Outbound'}At`] = () => `GREATEST(COALESCE(last_${dir}_at, :${dir}Max), :${dir}Max)`
      }
      await this.m.createQueryBuilder().update(ContactEntity).set(set).where('id = :id', { id }).setParameters(params).execute()
    }
    // a message replayed through the spool is one event (unique on message_id)
    await this.m
      .createQueryBuilder()
      .insert()
      .into(ContactEventEntity)
      .values(items.map((i) => ({ contactId: String(i.contactId), kind: 'message', groupKey: i.groupKey, messageId: String(i.messageId), detail: { direction: i.direction }, at: i.at })))
      .orIgnore()
      .execute()
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
