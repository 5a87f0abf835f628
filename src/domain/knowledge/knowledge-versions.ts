import { createHash } from 'node:crypto'
import type { Knowledge } from '../knowledge.js'
import { canonicalJson } from '../evidence-hash.js'

/** One versioned piece of knowledge: a template (keyed by its id) or a whole section. */
export interface KnowledgeEntry {
  key: string
  text: string
  hash: string
  source: string | null
}

/** The latest recorded version of a key; `hash` null means it was removed. */
export interface RecordedVersion {
  key: string
  version: number
  hash: string | null
}

export interface VersionInsert {
  key: string
  version: number
  hash: string | null
  text: string | null
  source: string | null
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

/**
 * Every template (key = its id) and the material lists, completion rules and leak-guard lists
 * (keys `knowledge:materials`, `knowledge:completion`, `knowledge:guard`; a template id cannot
 * contain ':'). The hash covers everything that changes what a customer may read.
 */
export function knowledgeEntries(k: Knowledge, fixed: readonly KnowledgeEntry[] = []): KnowledgeEntry[] {
  const templates = k.templates.map((t) => {
    const content = { category: t.category, serviceTypes: t.serviceTypes ?? null, text: t.text, validFrom: t.validFrom ?? null, validTo: t.validTo ?? null, version: t.version }
    return { key: t.id, text: t.text, hash: sha256(canonicalJson(content)), source: t.file }
  })
  const section = (name: string, value: unknown): KnowledgeEntry => {
    const text = canonicalJson(value)
    return { key: `knowledge:${name}`, text, hash: sha256(text), source: null }
  }
  // policy and campaign answers (key `entry:<id>`), hashed like the drafts that use them record
  const answers = k.entries.map((e) => ({ key: `entry:${e.id}`, text: e.answer, hash: e.hash, source: e.file }))
  return [
    ...templates,
    ...answers,
    section('materials', k.materials),
    section('completion', k.completion),
    section('guard', k.guard),
    ...(k.campaignWords.length > 0 ? [section('campaign-words', k.campaignWords)] : []),
    ...fixed,
  ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/**
 * What to record: a new version for every key whose content is new or changed, and a removal
 * (hash null) for every key that disappeared. `versions` is each present key's version after.
 */
export function diffKnowledge(latest: readonly RecordedVersion[], entries: readonly KnowledgeEntry[]): { inserts: VersionInsert[]; changed: string[]; versions: Record<string, number> } {
  const before = new Map(latest.map((r) => [r.key, r]))
  const inserts: VersionInsert[] = []
  const versions: Record<string, number> = {}
  const present = new Set<string>()
  for (const e of entries) {
    present.add(e.key)
    const prev = before.get(e.key)
    if (prev && prev.hash === e.hash) {
      versions[e.key] = prev.version
      continue
    }
    const version = (prev?.version ?? 0) + 1
    inserts.push({ key: e.key, version, hash: e.hash, text: e.text, source: e.source })
    versions[e.key] = version
  }
  for (const prev of latest) {
    if (!present.has(prev.key) && prev.hash !== null) inserts.push({ key: prev.key, version: prev.version + 1, hash: null, text: null, source: null })
  }
  return { inserts, changed: inserts.map((i) => i.key).sort(), versions }
}

/**
 * The understanding files as knowledge entries (keys `understanding:*`): the intent model by its
 * own version and weight hash, the signals and the catalogue by their content.
 */
export function understandingEntries(u: { model: { version: string; hash: string }; signals: unknown; catalogue: unknown; dir: string }): KnowledgeEntry[] {
  const content = (key: string, value: unknown, file: string): KnowledgeEntry => {
    const text = canonicalJson(value)
    return { key: `understanding:${key}`, text, hash: sha256(text), source: `${u.dir}/${file}` }
  }
  return [
    { key: 'understanding:intent-model', text: u.model.version, hash: u.model.hash, source: `${u.dir}/intent-model.json` },
    content('signals', u.signals, 'signals.yaml'),
    content('catalogue', u.catalogue, 'catalogue.yaml'),
  ]
}
