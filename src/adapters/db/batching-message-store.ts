import type { RecordedMessage } from '../../app/inbound-message.js'
import type { MessageStore } from '../../app/ports.js'
import type { Queryable } from './sql.js'
import { storableText } from '../../domain/storable-text.js'
import { storableJson } from './storable.js'
import { Batcher } from '../../app/batcher.js'

type NewMessage = Omit<RecordedMessage, 'id'>

/**
 * Records messages that arrive together with one multi-row INSERT, i.e. one commit, instead of
 * one commit each (the benchmark found recording bound by commit latency during a backlog).
 * One batch is in flight at a time; whatever arrives meanwhile forms the next batch, so a lone
 * message waits for nobody and a burst is stored in a few statements. Each caller still gets
 * its own id (or null for a duplicate) only after the batch has committed.
 */
export class BatchingMessageStore implements MessageStore {
  private readonly batcher: Batcher<NewMessage, number | null>

  constructor(
    private readonly db: Queryable,
    private readonly single: MessageStore,
    maxBatch = 200,
  ) {
    this.batcher = new Batcher((ms) => this.insertBatch(ms), maxBatch)
  }

  insert(m: NewMessage, opts?: { replayWindowMs?: number }): Promise<number | null> {
    // a late arrival is checked for an identical twin under a lock (see SqlMessageStore):
    // rare, so it skips the batch rather than making every batch pay for the check
    if ((opts?.replayWindowMs ?? 0) > 0) return this.single.insert(m, opts)
    return this.batcher.submit(m)
  }

  listUnhandled(limit: number): Promise<RecordedMessage[]> {
    return this.single.listUnhandled(limit)
  }

  markHandled(id: number, at: Date): Promise<void> {
    return this.single.markHandled(id, at)
  }

  private async insertBatch(ms: NewMessage[]): Promise<Array<PromiseSettledResult<number | null>>> {
    const one = (m: NewMessage) =>
      this.single.insert(m).then(
        (value) => ({ status: 'fulfilled' as const, value }),
        (reason: unknown) => ({ status: 'rejected' as const, reason }),
      )
    if (ms.length === 1) return [await one(ms[0]!)]
    try {
      return (await this.insertMany(ms)).map((value) => ({ status: 'fulfilled', value }))
    } catch {
      // one bad row must not cost the others: store them one by one
      const out: Array<PromiseSettledResult<number | null>> = []
      for (const m of ms) out.push(await one(m))
      return out
    }
  }

  /** Ids in input order; null for a WeCom id stored before (or earlier in the same batch). */
  private async insertMany(ms: NewMessage[]): Promise<Array<number | null>> {
    const now = new Date()
    const rows = ms.map((m) => ({
      wecom_id: m.wecomId,
      direction: m.direction,
      group_key: m.groupKey,
      room_id: m.roomId,
      channel: m.channel,
      talker_id: m.talkerId,
      talker_name: m.talkerName,
      talker_role: m.talkerRole,
      type: m.type,
      // PostgreSQL cannot hold NUL or lone surrogates: storableJson cleans them, the rest is verbatim
      text: m.text,
      mention_ids: m.mentionIds,
      attachment: m.attachment,
      said_at: m.saidAt,
      // outbound messages are never decided on
      handled_at: m.direction === 'outbound' ? now : null,
      account_key: m.accountKey ?? null,
    }))
    const inserted: Array<{ id: string; wecom_id: string }> = await this.db.query(
      `INSERT INTO messages (wecom_id, direction, group_key, room_id, channel, talker_id, talker_name,
         talker_role, type, text, mention_ids, attachment, said_at, handled_at, account_key)
       SELECT r.wecom_id, r.direction, r.group_key, r.room_id, r.channel, r.talker_id, r.talker_name, r.talker_role, r.type,
              r.text, ARRAY(SELECT jsonb_array_elements_text(r.mention_ids)), r.attachment, r.said_at, r.handled_at, r.account_key
         FROM jsonb_to_recordset($1::jsonb) AS r(wecom_id text, direction text, group_key text, room_id text, channel text,
              talker_id text, talker_name text, talker_role text, type text, text text, mention_ids jsonb, attachment jsonb,
              said_at timestamptz, handled_at timestamptz, account_key text)
       ON CONFLICT (wecom_id) DO NOTHING
       RETURNING id, wecom_id`,
      [storableJson(rows)],
    )
    const byWecomId = new Map(inserted.map((r) => [r.wecom_id, Number(r.id)]))
    return rows.map((m) => {
      const wecomId = storableText(m.wecom_id) // as stored, so RETURNING matches
      const id = byWecomId.get(wecomId)
      if (id === undefined) return null
      byWecomId.delete(wecomId) // a second copy in the same batch is a duplicate
      return id
    })
  }
}
