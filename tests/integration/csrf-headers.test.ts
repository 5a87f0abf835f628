import { request as httpRequest } from 'node:http'
import { randomBytes } from 'node:crypto'
import Router from '@koa/router'
import type { Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeServer, createHttpApp, listen } from '../../src/adapters/http/create-http-app.js'
import { loadTenant } from '../../src/config/load-tenant.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { sayAndSettle, seen, sendsSettled } from '../support/groups.js'
import { apiClient, type ApiResponse } from '../support/api-client.js'
import { testLogger } from '../support/test-env.js'

// strong random tokens, one per role; the handler's is named after a sandbox handler (taking a draft needs a person)
const TOKENS = { viewer: randomBytes(24).toString('hex'), handler: randomBytes(24).toString('hex'), supervisor: randomBytes(24).toString('hex') }
const TOKENS_ENV = `vera:viewer:${TOKENS.viewer},wx-handler-wang:handler:${TOKENS.handler},sue:supervisor:${TOKENS.supervisor}`
const PARTNER_TEXT = 'DD20261101001 麻烦让客户上传一下空调安装位置的照片，内部工单池已派单'

/** The headers every response must carry, HTML or JSON, success or error. */
function expectSecurityHeaders(res: ApiResponse, what: string): void {
  const csp = res.headers.get('content-security-policy') ?? ''
  expect(csp, what).toContain("default-src 'self'")
  expect(csp, what).toContain("script-src 'self'")
  expect(csp, what).toContain("frame-ancestors 'none'")
  expect(csp, what).toContain("object-src 'none'")
  expect(csp, what).not.toMatch(/script-src [^;]*'unsafe-inline'/)
  expect(res.headers.get('x-content-type-options'), what).toBe('nosniff')
  expect(res.headers.get('referrer-policy'), what).toBe('same-origin')
  expect(res.headers.get('x-frame-options'), what).toBe('DENY')
  expect(res.headers.get('cross-origin-opener-policy'), what).toBe('same-origin')
}

describe('writes need JSON and our own origin (CSRF); security headers on every response', () => {
  let h: SandboxHarness
  let api: ReturnType<typeof apiClient>
  let cookie: string
  let otherPort: string
  let draftId: number
  const draftStatus = async (id: number): Promise<string> => ((await h.runtime.ds.query(`SELECT status FROM drafts WHERE id = $1`, [id])) as { status: string }[])[0]!.status

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.outbound = { ...tenant.outbound, perGroupPerMinute: 1000 }
    h = await startSandbox({ tenant, env: { BATON_API_TOKENS: TOKENS_ENV } })
    api = apiClient(h)
    // another port of the same host: same site, other origin
    otherPort = `http://127.0.0.1:${Number(new URL(api.base).port) + 1}`
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: PARTNER_TEXT })
    await sendsSettled(h)
    const [row] = (await h.runtime.ds.query(`SELECT id FROM drafts WHERE status = 'pending' ORDER BY id DESC LIMIT 1`)) as { id: string }[]
    draftId = Number(row!.id)
    const login = await api.call('POST', '/api/v1/session', { body: { token: TOKENS.handler }, headers: { 'sec-fetch-site': 'same-origin' } })
    expect(login.status).toBe(200)
    cookie = login.headers.get('set-cookie')!.split(';')[0]!
  }, 60_000)
  afterAll(async () => {
    await h?.close()
  })

  it('a cookie write with a text/plain, form or multipart body is refused (415) and the draft stays pending', async () => {
    const bodies: Array<[string, string]> = [
      ['text/plain', '{}'],
      ['text/plain;charset=UTF-8', '{"x":1}'],
      ['application/x-www-form-urlencoded', 'x=1'],
      ['application/x-www-form-urlencoded', ''],
      ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n'],
    ]
    for (const [type, rawBody] of bodies) {
      const res = await api.call('POST', `/api/v1/drafts/${draftId}/take`, { cookie, rawBody, headers: { 'content-type': type, 'sec-fetch-site': 'same-origin' } })
      expect(res.status, type).toBe(415)
      expect(res.body.error.code, type).toBe('json_required')
      expect(res.body.error.message, type).toContain('application/json')
    }
    // a body with no declared type at all is not JSON either
    const untyped = await fetch(`${api.base}/api/v1/drafts/${draftId}/take`, { method: 'POST', headers: { cookie, origin: api.base }, body: new Blob(['{}']) })
    expect(untyped.status).toBe(415)
    expect(await draftStatus(draftId)).toBe('pending')
  })

  it('a cookie write from another origin is refused (403 cross_origin) and the draft stays pending', async () => {
    const attempts: Array<[string, Record<string, string>, string | null | undefined]> = [
      ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }, 'https://evil.example'],
      ['Sec-Fetch-Site same-site (another port)', { 'sec-fetch-site': 'same-site' }, otherPort],
      // Sec-Fetch-Site is what the browser says; an Origin cannot talk it round
      ['Sec-Fetch-Site same-site with our Origin', { 'sec-fetch-site': 'same-site' }, undefined],
      ['Origin of another port', {}, otherPort],
      ['Origin of another host', {}, 'http://evil.example'],
      ['Origin https of our host', {}, api.base.replace('http:', 'https:')],
      ['Origin null (sandboxed frame, data: URL)', {}, 'null'],
      ['Referer of another port', { referer: `${otherPort}/attack.html` }, null],
      ['no Origin, Referer or Sec-Fetch-Site', {}, null],
    ]
    for (const [what, headers, origin] of attempts) {
      const res = await api.call('POST', `/api/v1/drafts/${draftId}/take`, { cookie, body: {}, headers, origin })
      expect(res.status, what).toBe(403)
      expect(res.body.error.code, what).toBe('cross_origin')
    }
    // a malformed Authorization header does not exempt a cookie write from the check
    const basic = await api.call('POST', `/api/v1/drafts/${draftId}/take`, { cookie, body: {}, origin: otherPort, headers: { authorization: `Basic ${TOKENS.handler}` } })
    expect(basic.status).toBe(403)
    expect(await draftStatus(draftId)).toBe('pending')
  })

  it('same-origin writes pass: Sec-Fetch-Site same-origin or none, our Origin, our Referer', async () => {
    // an unknown draft: the request gets past the check to the route, and changes nothing
    const probes: Array<[string, Record<string, string>, string | null | undefined]> = [
      ['Sec-Fetch-Site same-origin', { 'sec-fetch-site': 'same-origin' }, null],
      ['Sec-Fetch-Site none', { 'sec-fetch-site': 'none' }, null],
      ['our Origin', {}, api.base],
      ['our Referer', { referer: `${api.base}/console/` }, null],
    ]
    for (const [what, headers, origin] of probes) {
      const res = await api.call('POST', '/api/v1/drafts/987654/take', { cookie, body: {}, headers, origin })
      expect(res.status, `${what}: ${res.text}`).toBe(404)
      expect(res.body.error.code, what).toBe('not_found')
    }
    // JSON with a charset parameter is JSON
    const charset = await api.call('POST', '/api/v1/drafts/987654/take', { cookie, rawBody: '{}', headers: { 'content-type': 'application/json; charset=utf-8' } })
    expect(charset.status).toBe(404)
    const taken = await api.call('POST', `/api/v1/drafts/${draftId}/take`, { cookie, body: {}, headers: { 'sec-fetch-site': 'same-origin' } })
    expect(taken.status).toBe(200)
    expect(taken.body).toMatchObject({ result: 'taken_over', draft: { status: 'taken_over' } })
  })

  it('bearer API clients need no Origin, from anywhere, but still send JSON bodies', async () => {
    for (const [what, headers, origin] of [
      ['no Origin', {}, undefined],
      ["a cross-site page's headers", { 'sec-fetch-site': 'cross-site' }, 'https://elsewhere.example'],
    ] as Array<[string, Record<string, string>, string | undefined]>) {
      const res = await api.call('POST', '/api/v1/drafts/987654/approve', { token: TOKENS.handler, body: {}, headers, origin })
      expect(res.status, what).toBe(404)
    }
    const bodiless = await api.call('POST', '/api/v1/drafts/987654/take', { token: TOKENS.handler })
    expect(bodiless.status).toBe(404)
    const form = await api.call('POST', '/api/v1/drafts/987654/approve', { token: TOKENS.handler, rawBody: 'force=true', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(form.status).toBe(415)
    expect(form.body.error.code).toBe('json_required')
  })

  it('login and logout need our origin too', async () => {
    const login = await api.call('POST', '/api/v1/session', { body: { token: TOKENS.viewer }, origin: otherPort })
    expect(login.status).toBe(403)
    expect(login.headers.get('set-cookie')).toBeNull()
    const formLogin = await api.call('POST', '/api/v1/session', { rawBody: `token=${TOKENS.viewer}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(formLogin.status).toBe(415)
    expect(formLogin.headers.get('set-cookie')).toBeNull()
    const logout = await api.call('DELETE', '/api/v1/session', { cookie, headers: { 'sec-fetch-site': 'same-site' }, origin: otherPort })
    expect(logout.status).toBe(403)
    expect(logout.headers.get('set-cookie')).toBeNull()
    expect((await api.call('GET', '/api/v1/me', { cookie })).body).toEqual({ name: 'wx-handler-wang', role: 'handler' })
  })

  it('the sandbox takes neither form posts nor posts from another origin', async () => {
    const before = seen(h, 'cust-zhao').length
    const form = await api.call('POST', '/sandbox/say', { rawBody: 'as=wx-zhao&group=cust-zhao&text=hi', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(form.status).toBe(415)
    const plain = await api.call('POST', '/sandbox/say', { rawBody: JSON.stringify({ as: 'wx-zhao', group: 'cust-zhao', text: 'hi' }), headers: { 'content-type': 'text/plain' } })
    expect(plain.status).toBe(415)
    const cross = await api.call('POST', '/sandbox/say', { body: { as: 'wx-zhao', group: 'cust-zhao', text: 'hi' }, origin: otherPort })
    expect(cross.status).toBe(403)
    expect(cross.body.error.code).toBe('cross_origin')
    await new Promise((r) => setTimeout(r, 300))
    expect(seen(h, 'cust-zhao')).toHaveLength(before)
    const own = await api.call('POST', '/sandbox/say', { body: { as: 'wx-zhao', group: 'cust-zhao', text: '你好' }, headers: { 'sec-fetch-site': 'same-origin' } })
    expect(own.status).toBe(202)
  })

  it('a script without a cookie or browser headers may speak in the sandbox (curl); a rebound domain may not', async () => {
    const curl = await api.call('POST', '/sandbox/say', { body: { as: 'wx-zhao', group: 'cust-zhao', text: '在吗' }, origin: null })
    expect(curl.status).toBe(202)
    // DNS rebinding: a page on another domain that resolves to 127.0.0.1 is "same origin" for the browser
    const port = new URL(api.base).port
    const rebound = await rawRequest(Number(port), {
      method: 'POST',
      path: '/sandbox/say',
      headers: { host: `rebind.example:${port}`, origin: `http://rebind.example:${port}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      body: JSON.stringify({ as: 'wx-zhao', group: 'cust-zhao', text: 'hi' }),
    })
    expect(rebound.status).toBe(403)
    expect(JSON.parse(rebound.body).error.code).toBe('cross_origin')
    expect((await rawRequest(Number(port), { method: 'GET', path: '/sandbox/groups', headers: { host: `rebind.example:${port}` } })).status).toBe(403)
    expect((await rawRequest(Number(port), { method: 'GET', path: '/sandbox/groups', headers: { host: `localhost:${port}` } })).status).toBe(200)
  })

  it("bull-board's writes sit behind the same check", async () => {
    const login = await api.call('POST', '/api/v1/session', { body: { token: TOKENS.supervisor } })
    const boss = login.headers.get('set-cookie')!.split(';')[0]!
    const paused = async () => ((await api.call('GET', '/admin/queues/api/queues', { cookie: boss })).body.queues as { isPaused: boolean }[]).map((q) => q.isPaused)
    expect(await paused()).toEqual([false, false])
    const cross = await api.call('PUT', '/admin/queues/api/queues/pause', { cookie: boss, headers: { 'sec-fetch-site': 'same-site' }, origin: otherPort })
    expect(cross.status).toBe(403)
    expect(cross.body.error.code).toBe('cross_origin')
    const added = await api.call('POST', '/admin/queues/api/queues/outbound/add', { cookie: boss, rawBody: 'name=x&data={}', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(added.status).toBe(415)
    expect(await paused()).toEqual([false, false])
    // the board's own page (same origin, no body) still works
    const own = await api.call('PUT', '/admin/queues/api/queues/pause', { cookie: boss, headers: { 'sec-fetch-site': 'same-origin' } })
    expect(own.status).toBe(200)
    expect(await paused()).toEqual([true, true])
    expect((await api.call('PUT', '/admin/queues/api/queues/resume', { cookie: boss })).status).toBe(200)
    expect(await paused()).toEqual([false, false])
  })

  it('security headers on HTML and JSON responses, errors included', async () => {
    const boss = (await api.call('POST', '/api/v1/session', { body: { token: TOKENS.supervisor } })).headers.get('set-cookie')!.split(';')[0]!
    const responses: Array<[string, ApiResponse]> = [
      ['console HTML', await api.call('GET', '/console/')],
      ['console script', await api.call('GET', '/console/app.js')],
      ['sandbox HTML', await api.call('GET', '/sandbox/')],
      ['sandbox script', await api.call('GET', '/sandbox/sandbox.js')],
      ['evidence HTML', await api.call('GET', '/api/v1/cases/1/evidence.html', { token: TOKENS.supervisor })],
      ['bull-board HTML', await api.call('GET', '/admin/queues', { cookie: boss })],
      ['JSON', await api.call('GET', '/api/v1/drafts', { token: TOKENS.viewer })],
      ['JSON health', await api.call('GET', '/healthz')],
      ['JSON 401', await api.call('GET', '/api/v1/me')],
      ['JSON 404', await api.call('GET', '/api/v1/nope')],
      ['JSON 403 refused write', await api.call('POST', '/api/v1/session', { body: {}, origin: null })],
    ]
    for (const [what, res] of responses) {
      if (what.includes('HTML')) expect(res.headers.get('content-type'), what).toMatch(/^text\/html/)
      if (what.startsWith('JSON')) expect(res.headers.get('content-type'), what).toMatch(/^application\/json/)
      expectSecurityHeaders(res, what)
    }
  })
})

describe('the same-origin check behind a proxy', () => {
  let server: Server
  let base: string
  const app = createHttpApp(testLogger(), [new Router().post('/write', (ctx) => void (ctx.body = { ok: true }))])
  const write = (headers: Record<string, string>) => fetch(`${base}/write`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' })
  const viaProxy = { origin: 'https://baton.example.com', 'x-forwarded-host': 'baton.example.com', 'x-forwarded-proto': 'https' }

  beforeAll(async () => {
    server = await listen(app, 0, '127.0.0.1')
    const addr = server.address()
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  })
  afterAll(async () => {
    await closeServer(server)
  })

  it('ignores X-Forwarded-Host/Proto unless the app trusts a proxy, then compares with them', async () => {
    app.proxy = false
    expect((await write(viaProxy)).status).toBe(403)
    expect((await write({ origin: base })).status).toBe(200)
    app.proxy = true
    expect((await write(viaProxy)).status).toBe(200)
    // through the proxy the browser's origin is the public one: the inner address is another origin
    expect((await write({ ...viaProxy, origin: base })).status).toBe(403)
    expect((await write({ ...viaProxy, origin: 'http://baton.example.com' })).status).toBe(403)
    app.proxy = false
  })
})

/** A request with a Host header of our choosing (fetch would send the URL's). */
function rawRequest(port: number, o: { method: string; path: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: o.method, path: o.path, headers: o.headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end(o.body)
  })
}
