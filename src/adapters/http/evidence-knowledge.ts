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

/** One line of the section: what a supervisor reads, and the raw record (ids, hashes, source) folded beside it. */
export interface KnowledgeLine {
  text: string
  raw: Payload
}

/**
 * The lines of the evidence page's "knowledge and order lookups" section: every draft's template
 * and policy/campaign entries and every order lookup, read from the case's own events
 * (draft_created, order_lookup). The sentence is in words (kind, version, outcome); ids, hashes,
 * the source address and the shop's own status code stay in the raw record.
 */
export function knowledgeLines(wording: Wording, events: readonly ChainEvent[], time: (iso: string | null) => string): KnowledgeLine[] {
  const w = (key: string, vars: Record<string, string | number | undefined>) => say(wording, `evidence-page.${key}`, vars)
  const label = (key: string, code: string) => wording.get(`${key}.${code}`) ?? code
  const entry = (u: Use, kind: string) => w('knowledgeEntry', { kind: label('evidence-page.kinds', kind), version: u.version })
  const lines: KnowledgeLine[] = []
  for (const e of events) {
    const p = e.payload as Payload
    if (e.kind === 'draft_created') {
      const template = p['template'] as Use | undefined
      const used = (p['knowledge'] as Use[] | undefined) ?? []
      if (!template?.id && used.length === 0) continue
      const parts = [template?.id ? entry(template, 'template') : '—', ...used.map((u) => entry(u, u.kind ?? 'evergreen'))]
      const text = w('draftKnowledge', { draft_id: String(p['draftId']), category: label('labels.categories', String(p['category'])), template: parts.join('；') })
      lines.push({ text, raw: { template: template ?? null, knowledge: used } })
    } else if (e.kind === 'order_lookup') {
      const at = time(typeof p['lookedUpAt'] === 'string' ? p['lookedUpAt'] : e.at)
      const base = { order_no: String(p['orderNo']), at }
      const fields = (p['fieldsUsed'] as string[] | undefined) ?? []
      const text =
        p['ok'] === true
          ? w('lookupOk', { ...base, status: label('orders.status', String(p['status'])), fields: fields.length, cached: p['cached'] === true ? (wording.get('evidence-page.lookupCached') ?? '') : '' })
          : w('lookupFailed', { ...base, reason: label('evidence-page.lookupReasons', String(p['reason'])) })
      lines.push({ text, raw: p })
    }
  }
  return lines
}
