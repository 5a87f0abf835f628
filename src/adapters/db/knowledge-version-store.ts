import type { DataSource } from 'typeorm'
import type { KnowledgeItem, KnowledgeVersionStore } from '../../app/knowledge/knowledge-ports.js'
import { diffKnowledge } from '../../domain/knowledge/knowledge-versions.js'

// one lock id for every process recording knowledge versions (start-up races, concurrent reloads)
const LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtext('baton.knowledge_versions'))`

const LATEST_SQL = `SELECT DISTINCT ON (key) key, version, content_hash, text, at FROM knowledge_versions ORDER BY key, version DESC`

export function sqlKnowledgeVersionStore(ds: DataSource): KnowledgeVersionStore {
  return {
    record: (entries, meta) =>
      ds.transaction(async (tx) => {
        await tx.query(LOCK_SQL)
        const latest: { key: string; version: number; content_hash: string | null }[] = await tx.query(LATEST_SQL)
        const diff = diffKnowledge(
          latest.map((r) => ({ key: r.key, version: r.version, hash: r.content_hash })),
          entries,
        )
        if (diff.inserts.length > 0) {
          await tx.query(
            `INSERT INTO knowledge_versions (key, version, content_hash, text, source, reason, actor, at)
             SELECT k, v, h, t, s, $6, $7, $8 FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[]) AS x(k, v, h, t, s)`,
            [
              diff.inserts.map((i) => i.key),
              diff.inserts.map((i) => i.version),
              diff.inserts.map((i) => i.hash),
              diff.inserts.map((i) => i.text),
              diff.inserts.map((i) => i.source),
              meta.reason,
              meta.actor,
              meta.at,
            ],
          )
        }
        return { changed: diff.changed, versions: diff.versions }
      }),
    current: async (): Promise<KnowledgeItem[]> => {
      const rows: { key: string; version: number; content_hash: string | null; text: string | null; at: Date }[] = await ds.query(LATEST_SQL)
      return rows.filter((r) => r.content_hash !== null).map((r) => ({ key: r.key, text: r.text ?? '', version: r.version, updatedAt: r.at }))
    },
  }
}
