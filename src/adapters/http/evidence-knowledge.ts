import type { ChainEvent } from '../../domain/evidence-hash.js'
import { say } from '../../app/case-facts-text.js'
import type { Wording } from '../../config/load-wording-dir.js'

type Payload = Record<string, unknown>
interface Use {
  id: string
  version: number
  hash: string
  kind?: string
}

/**
 * The lines of the evidence page's "knowledge and order lookups" section: every draft's template
 * and policy/campaign entries (id, version, hash) and every order lookup (source, time, outcome,
 * fields used), read from the case's own events (draft_created, order_lookup).
 */
export function knowledgeLines(wording: Wording, events: readonly ChainEvent[], time: (iso: string | null) => string): string[] {
  const w = (key: string, vars: Record<string, string | number | undefined>) => say(wording, `evidence-page.${key}`, vars)
  const entry = (u: Use, kind: string) => w('knowledgeEntry', { kind: wording.get(`evidence-page.kinds.${kind}`) ?? kind, id: u.id, version: u.version, hash: `${String(u.hash).slice(0, 12)}…` })
  const lines: string[] = []
  for (const e of events) {
    const p = e.payload as Payload
    if (e.kind === 'draft_created') {
      const template = p['template'] as Use | undefined
      const used = (p['knowledge'] as Use[] | undefined) ?? []
      if (!template?.id && used.length === 0) continue
      const parts = [template?.id ? entry(template, 'template') : '—', ...used.map((u) => entry(u, u.kind ?? 'evergreen'))]
      lines.push(w('draftKnowledge', { draft_id: String(p['draftId']), category: String(p['category']), template: parts.join('；') }))
    } else if (e.kind === 'order_lookup') {
      const at = time(typeof p['lookedUpAt'] === 'string' ? p['lookedUpAt'] : e.at)
      const base = { order_no: String(p['orderNo']), at, source: String(p['source']) }
      lines.push(
        p['ok'] === true
          ? w('lookupOk', { ...base, status: `${String(p['status'])}/${String(p['rawStatus'])}`, fields: ((p['fieldsUsed'] as string[] | undefined) ?? []).join(', '), cached: p['cached'] === true ? (wording.get('evidence-page.lookupCached') ?? '') : '' })
          : w('lookupFailed', { ...base, reason: String(p['reason']), detail: String(p['detail']) }),
      )
    }
  }
  return lines
}
