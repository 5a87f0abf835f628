import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/config/format-issues.js'
import { loadKnowledge } from '../../src/config/load-knowledge.js'
import { loadWordingDir } from '../../src/config/load-wording-dir.js'
import { knowledgeEntries } from '../../src/domain/knowledge/knowledge-versions.js'
import { readOrderWords } from '../../src/main/orders-wiring.js'

let dir: string | undefined
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})
const problemsOf = (yaml: string): string[] => {
  dir = mkdtempSync(join(tmpdir(), 'baton-entries-'))
  writeFileSync(join(dir, 'k.yaml'), yaml)
  try {
    loadKnowledge(dir)
  } catch (err) {
    return (err as ConfigError).problems
  }
  return []
}

describe('policy and campaign entries in the knowledge files', () => {
  it('a campaign needs both dates, in order; evergreen policy has none; (id, version) is unique', () => {
    expect(problemsOf(`entries:\n  - { id: a, version: 1, kind: campaign, title: t, questions: [活动甲], answer: x, validFrom: 2026-01-01 }\n`).join('\n')).toMatch(
      /entries\[0\]\.validTo — a campaign needs validFrom and validTo/,
    )
    expect(problemsOf(`entries:\n  - { id: a, version: 1, kind: campaign, title: t, questions: [活动甲], answer: x, validFrom: 2026-02-01, validTo: 2026-01-01 }\n`).join('\n')).toMatch(
      /validTo is before validFrom/,
    )
    expect(problemsOf(`entries:\n  - { id: a, version: 1, kind: evergreen, title: t, questions: [政策甲], answer: x, validTo: 2026-01-01 }\n`).join('\n')).toMatch(
      /entries\[0\]\.kind — an entry with dates is a campaign/,
    )
    expect(
      problemsOf(`entries:\n  - { id: a, version: 1, kind: evergreen, title: t, questions: [政策甲], answer: x }\n  - { id: a, version: 1, kind: evergreen, title: t, questions: [政策乙], answer: y }\n`).join(
        '\n',
      ),
    ).toMatch(/entries\[id=a\] — a unique \(id, version\)/)
  })

  it('the latest version of each entry is in force, hashed, and versioned as entry:<id>', () => {
    expect(
      problemsOf(
        `entries:\n  - { id: a, version: 1, kind: evergreen, title: t, questions: [政策甲], answer: old }\n  - { id: a, version: 2, kind: evergreen, title: t, questions: [政策甲], answer: new }\ncampaignWords: [活动]\n`,
      ),
    ).toEqual([])
    const k = loadKnowledge(dir!)
    expect(k.entries.map((e) => [e.id, e.version, e.answer])).toEqual([['a', 2, 'new']])
    expect(k.entries[0]!.hash).toMatch(/^[0-9a-f]{64}$/)
    const keys = knowledgeEntries(k).map((e) => e.key)
    expect(keys).toContain('entry:a')
    expect(keys).toContain('knowledge:campaign-words')
  })

  it('the order wording must be complete: a missing phrase names its key', () => {
    const w = loadWordingDir('config/wording')
    expect(readOrderWords(w).status.shipped).toBe('已发货')
    const partial = new Map([...w].filter(([k]) => k !== 'orders.eta.tomorrow' && k !== 'orders.status.exception'))
    expect(() => readOrderWords(partial)).toThrow(/orders\.status\.exception[\s\S]*orders\.eta\.tomorrow|orders\.eta\.tomorrow[\s\S]*orders\.status\.exception/)
  })
})
