import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { sqlKnowledgeVersionStore } from '../../src/adapters/db/knowledge-version-store.js'
import { knowledgeEntries } from '../../src/domain/knowledge/knowledge-versions.js'
import { loadKnowledge } from '../../src/config/load-knowledge.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { errorSchema, knowledgeListSchema, knowledgeReloadSchema } from '../../src/adapters/http/metrics-schemas.js'
import { sayAndSettle } from '../support/groups.js'
import { eventually, testLogger } from '../support/test-env.js'
import { startBaton } from '../../src/main/runtime.js'
import { buildServices } from '../../src/main/build-services.js'
import { Directory } from '../../src/app/directory.js'

const NEW_PROGRESS = '您好，{contact_name}，{service_label}的最新进度：{progress}。我们会继续跟进并第一时间告诉您。'

describe('knowledge versions and reload into the running process (real PostgreSQL)', () => {
  let h: SandboxHarness
  let dir: string
  let base: string
  const templates = () => join(dir, 'templates.yaml')
  const reload = (token = 'super-token-0000001-7Qm2xVp9LkR4sT8w') => fetch(`${base}/api/v1/knowledge/reload`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  const items = async () => knowledgeListSchema.parse(await (await fetch(`${base}/api/v1/knowledge`, { headers: { authorization: 'Bearer viewer-token-000001-7Qm2xVp9LkR4sT8w' } })).json()).items
  const versionRows = async () => (await h.runtime.ds.query(`SELECT key, version, reason, actor FROM knowledge_versions ORDER BY id`)) as Array<{ key: string; version: number; reason: string; actor: string }>
  const lastDraft = async () => (await h.runtime.ds.query(`SELECT * FROM drafts ORDER BY id DESC LIMIT 1`))[0]

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-knowledge-'))
    cpSync('config/knowledge', dir, { recursive: true })
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.paths = { ...tenant.paths, knowledge: dir }
    h = await startSandbox({ tenant, env: { BATON_API_TOKENS: 'ops:viewer:viewer-token-000001-7Qm2xVp9LkR4sT8w,lead:supervisor:super-token-0000001-7Qm2xVp9LkR4sT8w' } })
    base = `http://127.0.0.1:${(h.runtime.server!.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await h?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('start-up records version 1 of every entry once; the same files again record nothing', async () => {
    const rows = await versionRows()
    // the understanding files (read once at start-up) are versioned beside the knowledge
    const fixed = buildServices(h.tenant, new Directory(h.tenant)).understandingEntries
    expect(fixed.map((e) => e.key)).toEqual(['understanding:intent-model', 'understanding:signals', 'understanding:catalogue'])
    const keys = knowledgeEntries(loadKnowledge(dir), fixed).map((e) => e.key)
    expect(rows.map((r) => r.key).sort()).toEqual([...keys].sort())
    expect(rows.every((r) => r.version === 1 && r.reason === 'startup' && r.actor === 'baton')).toBe(true)
    const again = await sqlKnowledgeVersionStore(h.runtime.ds).record(knowledgeEntries(loadKnowledge(dir), fixed), { reason: 'startup', actor: 'baton', at: new Date() })
    expect(again.changed).toEqual([])
    expect(await versionRows()).toHaveLength(rows.length)
  })

  it('a changed template bumps its version, is recorded with who reloaded, and the next draft uses it', async () => {
    const before = await versionRows()
    const yaml = readFileSync(templates(), 'utf8')
    const old = /- id: progress-reply\n\s+version: 1\n\s+category: progress_reply\n\s+text: .+\n/.exec(yaml)![0]
    writeFileSync(templates(), yaml.replace(old, `- id: progress-reply\n    version: 2\n    category: progress_reply\n    text: ${NEW_PROGRESS}\n`))
    const res = await reload()
    expect(res.status).toBe(200)
    const body = knowledgeReloadSchema.parse(await res.json())
    expect(body.changed).toEqual(['progress-reply'])
    expect(body.versions['progress-reply']).toBe(2)
    expect(body.versions['material-request']).toBe(1)
    const rows = await versionRows()
    expect(rows).toHaveLength(before.length + 1)
    expect(rows.at(-1)).toEqual({ key: 'progress-reply', version: 2, reason: 'reload', actor: 'api:lead' })
    expect((await items()).find((i) => i.key === 'progress-reply')).toMatchObject({ version: 2, text: NEW_PROGRESS })

    // the running decision services compose from the new template
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261102007 麻烦让客户补一下发票照片' })
    await sayAndSettle(h, { as: 'wx-zhao', group: 'cust-zhao', text: '请问现在进度怎么样了？' })
    const d = await lastDraft()
    expect(d.category).toBe('progress_reply')
    expect(d.template_version).toBe(2)
    expect(d.text).toMatch(/^您好，赵女士，资料收集的最新进度：/)
  })

  it.each([
    ['an unknown category', (y: string) => y.replace('category: reminder', 'category: nagging'), /templates\.yaml: templates\[\d+\]\.category — expected one of/],
    ['broken YAML', (y: string) => `${y}\n  - id: [unclosed\n`, /templates\.yaml: \(syntax\) — invalid YAML/],
  ])('a file with %s is refused with the file and problem; the old knowledge stays in force', async (_what, breakIt, problem) => {
    const good = readFileSync(templates(), 'utf8')
    const before = await versionRows()
    const draftsBefore = Number((await h.runtime.ds.query(`SELECT count(*)::int AS n FROM drafts`))[0].n)
    writeFileSync(templates(), breakIt(good))
    try {
      const res = await reload()
      expect(res.status).toBe(400)
      const { error } = errorSchema.parse(await res.json())
      expect(error.code).toBe('config_invalid')
      const details = (error.details ?? error) as { file?: unknown; problems?: unknown }
      expect(details.file).toBe(templates())
      expect((details.problems as string[]).some((p) => problem.test(p))).toBe(true)
      expect(await versionRows()).toEqual(before)
      // still composing from the knowledge in force (progress-reply v2); the same reply still
      // waiting for review would be kept instead of drafted again (one pending per category)
      await h.runtime.ds.query(`UPDATE drafts SET status = 'rejected' WHERE status = 'pending'`)
      await sayAndSettle(h, { as: 'wx-zhao', group: 'cust-zhao', text: '进度如何？' })
      const d = await lastDraft()
      expect(Number((await h.runtime.ds.query(`SELECT count(*)::int AS n FROM drafts`))[0].n)).toBe(draftsBefore + 1)
      expect(d.template_version).toBe(2)
      expect(d.text).toContain('的最新进度：')
    } finally {
      writeFileSync(templates(), good)
    }
  })

  it('a reload through another process (a separate api role) reaches this process’s decision services', async () => {
    const api = await startBaton({ env: { ...h.env, PORT: 0 }, tenant: h.tenant, roles: ['api'], log: testLogger() })
    try {
      const yaml = readFileSync(templates(), 'utf8')
      writeFileSync(templates(), yaml.replace(/- id: progress-reply\n\s+version: 2\n/, '- id: progress-reply\n    version: 3\n').replace(NEW_PROGRESS, NEW_PROGRESS.replace('最新进度', '第三版进度')))
      const port = (api.server!.address() as AddressInfo).port
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/knowledge/reload`, { method: 'POST', headers: { authorization: 'Bearer super-token-0000001-7Qm2xVp9LkR4sT8w' } })
      expect(res.status).toBe(200)
      expect(knowledgeReloadSchema.parse(await res.json()).changed).toEqual(['progress-reply'])
      await eventually(() => h.runtime.knowledge!.current.templates.find((t) => t.id === 'progress-reply')?.version === 3)
      await sayAndSettle(h, { as: 'wx-zhao', group: 'cust-zhao', text: '现在进度到哪一步了？' })
      const d = await lastDraft()
      expect(d.template_version).toBe(3)
      expect(d.text).toContain('的第三版进度：')
      // recorded once, by the process that was asked
      expect((await versionRows()).filter((r) => r.key === 'progress-reply').map((r) => [r.version, r.actor])).toEqual([
        [1, 'baton'],
        [2, 'api:lead'],
        [3, 'api:lead'],
      ])
    } finally {
      await api.stop()
    }
  })
})
