import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadWordingDir } from '../../src/config/load-wording-dir.js'
import { closeServer, createHttpApp, listen } from '../../src/adapters/http/create-http-app.js'
import { consoleRoutes } from '../../src/adapters/http/console-routes.js'
import { testLogger } from '../support/test-env.js'

describe('the console routes: static assets, labels, Chart.js from node_modules', () => {
  let server: Server
  let base: string
  beforeAll(async () => {
    server = await listen(createHttpApp(testLogger(), [consoleRoutes({ wording: loadWordingDir('config/wording'), sandbox: false, timeZone: 'Asia/Shanghai' })]), 0, '127.0.0.1')
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await closeServer(server)
  })

  it('redirects /console to /console/ and serves the page with a strict content policy', async () => {
    const bare = await fetch(`${base}/console`, { redirect: 'manual' })
    expect(bare.status).toBe(302)
    expect(bare.headers.get('location')).toBe('/console/')
    const page = await fetch(`${base}/console/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(await page.text()).toContain('<title>Baton 控制台</title>')
  })

  it('gives the labels from the wording files, so names have one source', async () => {
    const body = (await (await fetch(`${base}/console/settings.json`)).json()) as { sandbox: boolean; labels: Record<string, Record<string, string>> }
    expect(body.sandbox).toBe(false)
    expect(body.labels['states']).toMatchObject({ completed: '已完成', waiting_executor: '等待执行人配合' })
    expect(body.labels['parties']).toMatchObject({ contact: '客户联系人' })
    expect(body.labels['riskFlags']).toMatchObject({ leak_guard: '草稿未通过外发检查' })
    expect(body.labels['events']).toMatchObject({ draft_decided: '审核处理' })
  })

  it('serves Chart.js and every module the page imports', async () => {
    const chart = await fetch(`${base}/console/vendor/chart.js`)
    expect(chart.status).toBe(200)
    expect(chart.headers.get('content-type')).toContain('javascript')
    expect((await chart.text()).length).toBeGreaterThan(100_000)
    // follow the static imports from app.js: a broken path would leave the console blank
    const seen = new Set<string>()
    const visit = async (path: string): Promise<void> => {
      if (seen.has(path)) return
      seen.add(path)
      const res = await fetch(`${base}/console/${path}`)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('content-type'), path).toContain('javascript')
      const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : ''
      for (const m of (await res.text()).matchAll(/^import .* from '(\.{1,2}\/[^']+)'/gm)) {
        await visit(new URL(m[1]!, `http://x/${dir}`).pathname.slice(1))
      }
    }
    await visit('app.js')
    expect([...seen]).toEqual(
      expect.arrayContaining(['app.js', 'api.js', 'dom.js', 'format.js', 'views/review.js', 'views/attention.js', 'views/cases.js', 'views/case.js', 'views/metrics.js', 'views/sandbox.js', 'views/login.js']),
    )
    expect((await fetch(`${base}/console/console.css`)).headers.get('content-type')).toContain('text/css')
  })

  it('answers 404 for anything outside the console assets', async () => {
    for (const path of ['/console/../package.json', '/console/%2e%2e/package.json', '/console/views/..%2f..%2fconsole-routes.ts', '/console/nope.js', '/console/settings.yaml']) {
      const res = await fetch(`${base}${path}`)
      expect(res.status, path).toBe(404)
      expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe('not_found')
    }
  })
})
