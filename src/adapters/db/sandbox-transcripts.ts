import type { Directory } from '../../app/directory.js'
import type { Queryable } from './sql.js'

/** One line of a simulated chat as the sandbox console shows it, read back from PostgreSQL. */
export interface StoredLine {
  at: string
  talkerId: string
  talkerName: string
  /** whom a direct message went to (the bot, or the person the bot wrote to); null in a group */
  toName: string | null
  text: string
  type: string
  /** true for what Baton itself sent */
  bot: boolean
}

const LIMIT = 300

/**
 * The sandbox's chat transcripts from the database: what people said (inbound messages) and
 * what Baton sent (sends marked sent), in time order. Unlike the simulator's memory they survive
 * a restart, and direct messages (commands, escalations to a person) are there too.
 */
export function sqlSandboxTranscripts(db: Queryable, deps: { directory: Directory; botId: string; botName: string }) {
  const name = (id: string, stored: string | null) => deps.directory.person(id)?.name ?? stored ?? id
  const lines = (rows: Record<string, unknown>[]): StoredLine[] =>
    rows
      .map((r) => {
        const bot = r['bot'] === true
        const talkerId = bot ? deps.botId : (r['talker_id'] as string)
        const to = r['to_id'] as string | null
        return {
          at: (r['at'] as Date).toISOString(),
          talkerId,
          talkerName: bot ? deps.botName : name(talkerId, r['talker_name'] as string | null),
          toName: to === null ? null : to === deps.botId ? deps.botName : name(to, null),
          text: r['text'] as string,
          type: r['type'] as string,
          bot,
        }
      })
      .reverse()
  return {
    /** a group's last lines, oldest first */
    async group(groupKey: string): Promise<StoredLine[]> {
      const rows: Record<string, unknown>[] = await db.query(
        `(SELECT said_at AS at, talker_id, talker_name, NULL::text AS to_id, text, type, false AS bot FROM messages
           WHERE group_key = $1 AND direction = 'inbound' ORDER BY said_at DESC LIMIT $2)
         UNION ALL
         (SELECT sent_at AS at, NULL, NULL, NULL, text, 'text', true FROM sends
           WHERE group_key = $1 AND status = 'sent' ORDER BY sent_at DESC LIMIT $2)
         ORDER BY at DESC LIMIT $2`,
        [groupKey, LIMIT],
      )
      return lines(rows)
    },
    /** every direct message between the bot and a person, oldest first */
    async direct(): Promise<StoredLine[]> {
      const rows: Record<string, unknown>[] = await db.query(
        `(SELECT said_at AS at, talker_id, talker_name, $1::text AS to_id, text, type, false AS bot FROM messages
           WHERE group_key IS NULL AND direction = 'inbound' ORDER BY said_at DESC LIMIT $2)
         UNION ALL
         (SELECT sent_at AS at, NULL, NULL, contact_id, text, 'text', true FROM sends
           WHERE group_key IS NULL AND contact_id IS NOT NULL AND status = 'sent' ORDER BY sent_at DESC LIMIT $2)
         ORDER BY at DESC LIMIT $2`,
        [deps.botId, LIMIT],
      )
      return lines(rows)
    },
  }
}

export type SandboxTranscripts = ReturnType<typeof sqlSandboxTranscripts>
