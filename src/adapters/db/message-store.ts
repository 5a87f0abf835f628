import type { RecordedMessage } from '../../app/inbound-message.js'
import type { MessageStore } from '../../app/ports.js'
import type { Channel, MessageType, TalkerRole } from '../../domain/types.js'
import type { DataSource } from 'typeorm'
import type { Queryable } from './sql.js'
import { storableJson } from './storable.js'

interface MessageRow {
  id: string
  wecom_id: string
  direction: 'inbound' | 'outbound'
  group_key: string | null
  room_id: string | null
  channel: string
  talker_id: string
  talker_name: string | null
  talker_role: string
  type: string
  text: string
  mention_ids: string[]
  attachment: RecordedMessage['attachment']
  said_at: Date
}

export function toRecordedMessage(r: MessageRow): RecordedMessage {
  return {
    id: Number(r.id),
    wecomId: r.wecom_id,
    direction: r.direction,
    groupKey: r.group_key,
    roomId: r.room_id,
    channel: r.channel as Channel,
    talkerId: r.talker_id,
    talkerName: r.talker_name ?? '',
    talkerRole: r.talker_role as TalkerRole,
    self: r.direction === 'outbound',
    type: r.type as MessageType,
    text: r.text,
    mentionIds: r.mention_ids,
    attachment: r.attachment,
    saidAt: r.said_at,
  }
}

/** SQL-backed message store; the unique index on wecom_id makes inserts idempotent. */
export class SqlMessageStore implements MessageStore {
  constructor(private readonly db: Queryable & Partial<Pick<DataSource, 'transaction'>>) {}

  async insert(m: Omit<RecordedMessage, 'id'>, opts: { replayWindowMs?: number } = {}): Promise<number | null> {
    const windowMs = opts.replayWindowMs ?? 0
    if (windowMs <= 0 || !this.db.transaction) return this.insertRow(this.db, m)
    // late arrivals are checked for an identical twin under a per-talker lock, so two replays
    // of the same message racing each other are stored once
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`msg-twin:${m.talkerId}`])
      const twins: unknown[] = await tx.query(
        `SELECT 1 FROM messages
          WHERE talker_id = $1 AND room_id IS NOT DISTINCT FROM $2 AND type = $3 AND text = $4
            AND said_at BETWEEN $5::timestamptz - ($6::int * interval '1 millisecond') AND $5::timestamptz + ($6::int * interval '1 millisecond')
          LIMIT 1`,
        [m.talkerId, m.roomId, m.type, m.text, m.saidAt, windowMs],
      )
      if (twins.length > 0) return null
      return this.insertRow(tx, m)
    })
  }

  private async insertRow(db: Queryable, m: Omit<RecordedMessage, 'id'>): Promise<number | null> {
    const rows: { id: string }[] = await db.query(
      `INSERT INTO messages (wecom_id, direction, group_key, room_id, channel, talker_id, talker_name,
         talker_role, type, text, mention_ids, attachment, said_at, handled_at, account_key)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
       ON CONFLICT (wecom_id) DO NOTHING
       RETURNING id`,
      [
        m.wecomId,
        m.direction,
        m.groupKey,
        m.roomId,
        m.channel,
        m.talkerId,
        m.talkerName,
        m.talkerRole,
        m.type,
        // NUL and lone surrogates are cleaned by the client (storable.ts); the rest is verbatim
        m.text,
        m.mentionIds,
        m.attachment === null ? null : storableJson(m.attachment),
        m.saidAt,
        // outbound messages are never decided on
        m.direction === 'outbound' ? new Date() : null,
        m.accountKey ?? null,
      ],
    )
    return rows[0] ? Number(rows[0].id) : null
  }

  async listUnhandled(limit: number): Promise<RecordedMessage[]> {
    const rows: MessageRow[] = await this.db.query(`SELECT * FROM messages WHERE handled_at IS NULL AND direction = 'inbound' ORDER BY id LIMIT $1`, [limit])
    return rows.map(toRecordedMessage)
  }

  async markHandled(id: number, at: Date): Promise<void> {
    await this.db.query(`UPDATE messages SET handled_at = $2 WHERE id = $1 AND handled_at IS NULL`, [id, at])
  }
}
