import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { canonicalJson } from '../domain/evidence-hash.js'
import { ConfigError, formatZodIssues } from './format-issues.js'
import { knowledgeFileSchema } from './knowledge-schema.js'
import type { AnswerEntry, Knowledge, TemplateEntry } from '../domain/knowledge.js'

/** Loads every `*.yaml` of the knowledge folder; one line per problem, naming file and path. */
export function loadKnowledge(dir: string): Knowledge {
  const problems: string[] = []
  const knowledge: Knowledge = { templates: [], materials: {}, completion: {}, guard: { forbiddenCommitments: [], internalJargon: [], allowedLinkHosts: [] }, entries: [], campaignWords: [] }
  const all: TemplateEntry[] = []
  const entries: AnswerEntry[] = []
  let files: string[]
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
  } catch (err) {
    throw new ConfigError([`${dir}: (folder) — cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`])
  }
  for (const name of files) {
    const file = join(dir, name)
    let raw: unknown
    try {
      raw = parse(readFileSync(file, 'utf8'))
    } catch (err) {
      problems.push(`${file}: (syntax) — invalid YAML: ${(err as Error).message.split('\n')[0]}`)
      continue
    }
    const parsed = knowledgeFileSchema.safeParse(raw ?? {})
    if (!parsed.success) {
      problems.push(...formatZodIssues(file, parsed.error.issues))
      continue
    }
    const k = parsed.data
    for (const t of k.templates ?? []) all.push({ ...t, file, hash: createHash('sha256').update(`${t.id}\n${t.version}\n${t.text}`).digest('hex') })
    for (const e of k.entries ?? []) entries.push({ ...e, file, hash: answerHash(e) })
    knowledge.campaignWords.push(...(k.campaignWords ?? []))
    Object.assign(knowledge.materials, k.materials ?? {})
    Object.assign(knowledge.completion, k.completion ?? {})
    knowledge.guard.forbiddenCommitments.push(...(k.forbiddenCommitments ?? []))
    knowledge.guard.internalJargon.push(...(k.internalJargon ?? []))
    knowledge.guard.allowedLinkHosts.push(...(k.allowedLinkHosts ?? []))
  }
  const seen = new Map<string, TemplateEntry>()
  for (const t of all) {
    const key = `${t.id}@${t.version}`
    const other = seen.get(key)
    if (other) problems.push(`${t.file}: templates[id=${t.id}] — a unique (id, version); version ${t.version} is also in ${other.file}`)
    seen.set(key, t)
  }
  const seenEntries = new Map<string, AnswerEntry>()
  for (const e of entries) {
    const key = `${e.id}@${e.version}`
    const other = seenEntries.get(key)
    if (other) problems.push(`${e.file}: entries[id=${e.id}] — a unique (id, version); version ${e.version} is also in ${other.file}`)
    seenEntries.set(key, e)
  }
  if (problems.length > 0) throw new ConfigError(problems)
  const latest = new Map<string, TemplateEntry>()
  for (const t of all) if ((latest.get(t.id)?.version ?? 0) < t.version) latest.set(t.id, t)
  knowledge.templates = [...latest.values()]
  const latestEntries = new Map<string, AnswerEntry>()
  for (const e of entries) if ((latestEntries.get(e.id)?.version ?? 0) < e.version) latestEntries.set(e.id, e)
  knowledge.entries = [...latestEntries.values()]
  return knowledge
}

/** Covers everything that changes what a customer may read or when: drafts record it. */
function answerHash(e: Omit<AnswerEntry, 'hash' | 'file'>): string {
  return createHash('sha256')
    .update(
      canonicalJson({ id: e.id, version: e.version, kind: e.kind, questions: e.questions, answer: e.answer, serviceTypes: e.serviceTypes ?? null, validFrom: e.validFrom ?? null, validTo: e.validTo ?? null }),
    )
    .digest('hex')
}
