import type { RecordedMessage } from '../../app/inbound-message.js'
import type { MessageStore } from '../../app/ports.js'
import type { DataSource } from 'typeorm'
import type { Queryable } from './sql.js'
import { MessageEntity } from './core-entities.js'
import { newMessageRow, toRecordedMessage } from './core-rows.js'
import { insertRows } from './entity-columns.js'

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
    const { sql, value } = insertRows(MessageEntity, [newMessageRow(m, new Date())], '$1', 'ON CONFLICT (wecom_id) DO NOTHING RETURNING id')
    const rows: { id: string }[] = await db.query(sql, [value])
    return rows[0] ? Number(rows[0].id) : null
  }

  async listUnhandled(limit: number): Promise<RecordedMessage[]> {
    const rows: Record<string, unknown>[] = await this.db.query(`SELECT * FROM messages WHERE handled_at IS NULL AND direction = 'inbound' ORDER BY id LIMIT $1`, [limit])
    return rows.map(toRecordedMessage)
  }

  async markHandled(id: number, at: Date): Promise<void> {
    await this.db.query(`UPDATE messages SET handled_at = $2 WHERE id = $1 AND handled_at IS NULL`, [id, at])
  }
}
