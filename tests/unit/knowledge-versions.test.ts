import { describe, expect, it } from 'vitest'
import { diffKnowledge, knowledgeEntries } from '../../src/domain/knowledge/knowledge-versions.js'
import { loadKnowledge } from '../../src/config/load-knowledge.js'
import type { Knowledge } from '../../src/domain/knowledge.js'

const base = (): Knowledge => loadKnowledge('config/knowledge')

describe('knowledge versions', () => {
  it('one entry per template plus the material, completion and guard sections', () => {
    const entries = knowledgeEntries(base())
    const keys = entries.map((e) => e.key)
    expect(keys).toContain('material-request')
    expect(keys).toContain('knowledge:materials')
    expect(keys).toContain('knowledge:completion')
    expect(keys).toContain('knowledge:guard')
    expect(entries.find((e) => e.key === 'material-request')!.text).toContain('{contact_name}')
    expect(entries.find((e) => e.key === 'material-request')!.source).toMatch(/templates\.yaml$/)
  })

  it('the first recording is version 1 of everything; the same content again changes nothing', () => {
    const entries = knowledgeEntries(base())
    const first = diffKnowledge([], entries)
    expect(first.changed).toEqual(entries.map((e) => e.key).sort())
    expect(Object.values(first.versions).every((v) => v === 1)).toBe(true)
    const latest = first.inserts.map((i) => ({ key: i.key, version: i.version, hash: i.hash }))
    expect(diffKnowledge(latest, entries)).toEqual({ inserts: [], changed: [], versions: first.versions })
  })

  it('a changed text bumps that template only; a removed one is recorded; a re-added one continues its count', () => {
    const k = base()
    const latest = diffKnowledge([], knowledgeEntries(k)).inserts.map((i) => ({ key: i.key, version: i.version, hash: i.hash }))
    const edited = { ...k, templates: k.templates.filter((t) => t.id !== 'reminder').map((t) => (t.id === 'progress-reply' ? { ...t, text: `${t.text}！` } : t)) }
    const d = diffKnowledge(latest, knowledgeEntries(edited))
    expect(d.changed).toEqual(['progress-reply', 'reminder'])
    expect(d.versions['progress-reply']).toBe(2)
    expect(d.versions['reminder']).toBeUndefined()
    expect(d.inserts.find((i) => i.key === 'reminder')).toMatchObject({ version: 2, hash: null, text: null })
    const after = latest.map((l) => d.inserts.find((i) => i.key === l.key) ?? l).map((i) => ({ key: i.key, version: i.version, hash: i.hash }))
    const back = diffKnowledge(after, knowledgeEntries(k))
    expect(back.versions['reminder']).toBe(3)
    expect(back.versions['progress-reply']).toBe(3)
  })

  it('a change in the material lists is a knowledge change too', () => {
    const k = base()
    const latest = diffKnowledge([], knowledgeEntries(k)).inserts.map((i) => ({ key: i.key, version: i.version, hash: i.hash }))
    const d = diffKnowledge(latest, knowledgeEntries({ ...k, materials: { ...k.materials, progress: ['订单截图'] } }))
    expect(d.changed).toEqual(['knowledge:materials'])
  })
})
