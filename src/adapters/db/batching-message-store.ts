import type { RecordedMessage } from '../../app/inbound-message.js'
import type { MessageStore } from '../../app/ports.js'
import type { Queryable } from './sql.js'
import { pgText } from './message-store.js'

type NewMessage = Omit<RecordedMessage, 'id'>

interface Pending {
  m: NewMessage
  resolve(id: number | null): void
  reject(err: unknown): void
}

/**
 * Records messages that arrive together with one multi-row INSERT, i.e. one commit, instead of
 * one commit each (the benchmark found recording bound by commit latency during a backlog).
 * One batch is in flight at a time; whatever arrives meanwhile forms the next batch, so a lone
 * message waits for nobody and a burst is stored in a few statements. Each caller still gets
 * its own id (or null for a duplicate) only after the batch has committed.
 */
export class BatchingMessageStore implements MessageStore {
  private queue: Pending[] = []
  private flushing = false

  constructor(
    private readonly db: Queryable,
    private readonly single: MessageStore,
    private readonly maxBatch = 200,
  ) {}

  insert(m: NewMessage, opts?: { replayWindowMs?: number }): Promise<number | null> {
    // a late arrival is checked for an identical twin under a lock (see SqlMessageStore):
    // rare, so it skips the batch rather than making every batch pay for the check
    if ((opts?.replayWindowMs ?? 0) > 0) return this.single.insert(m, opts)
    return new Promise((resolve, reject) => {
      this.queue.push({ m, resolve, reject })
      if (!this.flushing) {
        this.flushing = true
        void this.flush()
      }
    })
  }

  listUnhandled(limit: number): Promise<RecordedMessage[]> {
    return this.single.listUnhandled(limit)
  }

  markHandled(id: number, at: Date): Promise<void> {
    return this.single.markHandled(id, at)
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch)
      if (batch.length === 1) {
        await this.single.insert(batch[0]!.m).then(batch[0]!.resolve, batch[0]!.reject)
        continue
      }
      try {
        const ids = await this.insertMany(batch.map((p) => p.m))
        batch.forEach((p, i) => p.resolve(ids[i]!))
      } catch {
        // one bad row must not cost the others: store them one by one
        for (const p of batch) await this.single.insert(p.m).then(p.resolve, p.reject)
      }
    }
    this.flushing = false
  }

  /** Ids in input order; null for a WeCom id stored before (or earlier in the same batch). */
  private async insertMany(ms: NewMessage[]): Promise<Array<number | null>> {
    const now = new Date()
    const rows = ms.map((m) => ({
      wecom_id: pgText(m.wecomId),
      direction: m.direction,
      group_key: m.groupKey,
      room_id: m.roomId === null ? null : pgText(m.roomId),
      channel: m.channel,
      talker_id: pgText(m.talkerId),
      talker_name: pgText(m.talkerName),
      talker_role: m.talkerRole,
      type: m.type,
      // PostgreSQL cannot hold NUL or lone surrogates (pgText); everything else is kept verbatim
      text: pgText(m.text),
      mention_ids: m.mentionIds.map(pgText),
      attachment: m.attachment === null ? null : (JSON.parse(JSON.stringify(m.attachment, (_key, v: unknown) => (typeof v === 'string' ? pgText(v) : v))) as unknown),
      said_at: m.saidAt,
      // outbound messages are never decided on
      handled_at: m.direction === 'outbound' ? now : null,
    }))
    const inserted: Array<{ id: string; wecom_id: string }> = await this.db.query(
      `INSERT INTO messages (wecom_id, direction, group_key, room_id, channel, talker_id, talker_name,
         talker_role, type, text, mention_ids, attachment, said_at, handled_at)
       SELECT r.wecom_id, r.direction, r.group_key, r.room_id, r.channel, r.talker_id, r.talker_name, r.talker_role, r.type,
              r.text, ARRAY(SELECT jsonb_array_elements_text(r.mention_ids)), r.attachment, r.said_at, r.handled_at
         FROM jsonb_to_recordset($1::jsonb) AS r(wecom_id text, direction text, group_key text, room_id text, channel text,
              talker_id text, talker_name text, talker_role text, type text, text text, mention_ids jsonb, attachment jsonb,
              said_at timestamptz, handled_at timestamptz)
       ON CONFLICT (wecom_id) DO NOTHING
       RETURNING id, wecom_id`,
      [JSON.stringify(rows)],
    )
    const byWecomId = new Map(inserted.map((r) => [r.wecom_id, Number(r.id)]))
    return rows.map((m) => {
      const id = byWecomId.get(m.wecom_id)
      if (id === undefined) return null
      byWecomId.delete(m.wecom_id) // a second copy in the same batch is a duplicate
      return id
    })
  }
}
