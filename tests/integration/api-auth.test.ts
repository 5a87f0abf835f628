import { Writable } from 'node:stream'
import SwaggerParser from '@apidevtools/swagger-parser'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { apiClient, API_TOKENS, API_TOKENS_ENV } from '../support/api-client.js'

describe('HTTP API: tokens, cookie login, roles, the OpenAPI document and the queue board', () => {
  let h: SandboxHarness
  let api: ReturnType<typeof apiClient>
  // every log line at every level, to check that no token ever reaches the logs
  const logLines: string[] = []
  const log = pino({ level: 'trace' }, new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(chunk.toString()), done()) }))

  beforeAll(async () => {
    h = await startSandbox({ env: { BATON_API_TOKENS: API_TOKENS_ENV }, log })
    api = apiClient(h)
  })
  afterAll(async () => {
    await h?.close()
  })

  it("GET /me answers the bearer token's name and role; no, unknown or malformed tokens are 401", async () => {
    expect((await api.call('GET', '/api/v1/me', { as: 'handler' })).body).toEqual({ name: 'hans', role: 'handler' })
    expect((await api.call('GET', '/api/v1/me', { as: 'supervisor' })).body).toEqual({ name: 'sue', role: 'supervisor' })
    const none = await api.call('GET', '/api/v1/me')
    expect(none.status).toBe(401)
    expect(none.body.error.code).toBe('unauthorized')
    expect((await api.call('GET', '/api/v1/me', { token: 'sandbox' })).status).toBe(401) // the default is replaced by BATON_API_TOKENS
    expect((await api.call('GET', '/api/v1/me', { headers: { authorization: `Basic ${API_TOKENS.viewer}` } })).status).toBe(401)
    expect((await api.call('GET', '/api/v1/me', { cookie: 'baton_token=nope' })).status).toBe(401)
  })

  it('POST /session checks the token and sets an httpOnly, SameSite=Strict cookie that then authenticates', async () => {
    const wrong = await api.call('POST', '/api/v1/session', { body: { token: 'guess' } })
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('set-cookie')).toBeNull()
    const missing = await api.call('POST', '/api/v1/session', { body: {} })
    expect(missing.status).toBe(400)
    expect(missing.body.error.details.field).toBe('token')
    const res = await api.call('POST', '/api/v1/session', { body: { token: API_TOKENS.viewer } })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ name: 'vera', role: 'viewer' })
    const setCookie = res.headers.get('set-cookie')!
    expect(setCookie).toMatch(/^baton_session=/)
    expect(setCookie).toMatch(/httponly/i)
    expect(setCookie).toMatch(/samesite=strict/i)
    expect(setCookie).toMatch(/path=\//i)
    const cookie = setCookie.split(';')[0]!
    expect((await api.call('GET', '/api/v1/me', { cookie })).body).toEqual({ name: 'vera', role: 'viewer' })
    expect((await api.call('GET', '/api/v1/cases', { cookie })).status).toBe(200)
    // a viewer's cookie does not let it decide
    expect((await api.call('POST', '/api/v1/drafts/1/reject', { cookie, body: {} })).status).toBe(403)
    const out = await api.call('DELETE', '/api/v1/session', { cookie })
    expect(out.status).toBe(204)
    expect(out.headers.get('set-cookie')).toMatch(/^baton_session=;.*expires=Thu, 01 Jan 1970/i)
  })

  it('every protected route: 401 without a token, 403 below its role, through at its role', async () => {
    const routes: Array<[string, string, 'viewer' | 'handler' | 'supervisor', unknown?]> = [
      ['GET', '/api/v1/me', 'viewer'],
      ['GET', '/api/v1/cases', 'viewer'],
      ['GET', '/api/v1/cases/1', 'viewer'],
      ['GET', '/api/v1/cases/1/evidence', 'viewer'],
      ['GET', '/api/v1/cases/1/evidence.html', 'viewer'],
      ['GET', '/api/v1/drafts', 'viewer'],
      ['GET', '/api/v1/drafts/1', 'viewer'],
      ['POST', '/api/v1/drafts/1/approve', 'handler', {}],
      ['POST', '/api/v1/drafts/1/edit', 'handler', { text: '您好' }],
      ['POST', '/api/v1/drafts/1/reject', 'handler', {}],
      ['POST', '/api/v1/drafts/1/take', 'handler'],
      ['POST', '/api/v1/drafts/1/recall', 'handler'],
      ['GET', '/admin/queues', 'supervisor'],
      ['GET', '/admin/queues/api/queues', 'supervisor'],
    ]
    const order = ['viewer', 'handler', 'supervisor'] as const
    for (const [method, path, min, body] of routes) {
      const what = `${method} ${path}`
      expect((await api.call(method, path, { body })).status, what).toBe(401)
      expect((await api.call(method, path, { token: 'not-a-token', body })).status, what).toBe(401)
      for (const role of order.slice(0, order.indexOf(min))) {
        const res = await api.call(method, path, { as: role, body })
        expect(res.status, `${what} as ${role}`).toBe(403)
        expect(res.body.error.details.need, what).toBe(min)
      }
      // no data in this sandbox yet: an authorised call reaches the route (200, or 404 for the unknown id)
      const ok = await api.call(method, path, { as: min, body })
      expect([200, 404], `${what} as ${min}: ${ok.text.slice(0, 200)}`).toContain(ok.status)
    }
  })

  it('never logs or echoes a token, known or not', async () => {
    const res = await api.call('GET', '/api/v1/me', { token: 'secret-guess-123456' })
    expect(res.text).not.toContain('secret-guess-123456')
    await api.call('POST', '/api/v1/session', { body: { token: 'secret-guess-654321' } })
    await api.call('POST', '/api/v1/drafts/1/approve', { as: 'handler', rawBody: '{"force": tru' })
    expect(logLines.length).toBeGreaterThan(0)
    const all = logLines.join('')
    for (const secret of ['secret-guess-123456', 'secret-guess-654321', ...Object.values(API_TOKENS)]) expect(all).not.toContain(secret)
  })

  it('serves an OpenAPI 3 document of every /api/v1 route, generated from the zod schemas', async () => {
    const res = await api.call('GET', '/api/v1/openapi.json')
    expect(res.status).toBe(200)
    expect(res.body.openapi).toMatch(/^3\./)
    // a valid OpenAPI 3 document by the schema (throws naming the problem otherwise)
    await SwaggerParser.validate(structuredClone(res.body))
    const paths = Object.keys(res.body.paths)
    for (const p of [
      '/api/v1/session',
      '/api/v1/me',
      '/api/v1/cases',
      '/api/v1/cases/{id}',
      '/api/v1/cases/{id}/evidence',
      '/api/v1/cases/{id}/evidence.html',
      '/api/v1/drafts',
      '/api/v1/drafts/{id}/approve',
      '/api/v1/drafts/{id}/edit',
      '/api/v1/drafts/{id}/reject',
      '/api/v1/drafts/{id}/take',
      '/api/v1/drafts/{id}/recall',
    ]) {
      expect(paths, p).toContain(p)
    }
    const edit = res.body.paths['/api/v1/drafts/{id}/edit'].post
    expect(edit.requestBody.content['application/json'].schema.properties.text).toMatchObject({ type: 'string', minLength: 1, maxLength: 4000 })
    expect(Object.keys(edit.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '409']))
    const listParams = res.body.paths['/api/v1/cases'].get.parameters.map((p: { name: string }) => p.name)
    expect(listParams).toEqual(expect.arrayContaining(['state', 'party', 'owner', 'overdue', 'group', 'partner', 'limit', 'offset']))
    expect(res.body.components.schemas).toHaveProperty('CaseSummary')
    expect(res.body.components.schemas).toHaveProperty('DraftSummary')
    expect(res.body.components.securitySchemes).toMatchObject({ bearer: { type: 'http', scheme: 'bearer' }, cookie: { type: 'apiKey', in: 'cookie', name: 'baton_session' } })
  })

  it('/admin/queues is for supervisors only (bearer or cookie) and shows the outbound and timer queues', async () => {
    expect((await api.call('GET', '/admin/queues')).status).toBe(401)
    expect((await api.call('GET', '/admin/queues', { as: 'handler' })).status).toBe(403)
    expect((await api.call('GET', '/admin/queues/api/queues', { as: 'viewer' })).status).toBe(403)
    const page = await api.call('GET', '/admin/queues', { as: 'supervisor' })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    // the UI's own script loads from under the same guarded path
    const base = /<base href="([^"]+)"/.exec(page.text)?.[1]
    expect(base).toBe('/admin/queues/')
    const src = /src="([^"]+\.js)"/.exec(page.text)?.[1]
    expect(src).toBeDefined()
    const script = new URL(src!, `http://x${base}`).pathname
    expect((await api.call('GET', script!, { as: 'supervisor' })).status).toBe(200)
    expect((await api.call('GET', script!)).status).toBe(401)
    const login = await api.call('POST', '/api/v1/session', { body: { token: API_TOKENS.supervisor } })
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    const queues = await api.call('GET', '/admin/queues/api/queues', { cookie })
    expect(queues.status).toBe(200)
    const names = queues.body.queues.map((q: { name: string }) => q.name)
    expect(names).toHaveLength(2)
    expect(names.some((n: string) => /outbound/.test(n))).toBe(true)
    expect(names.some((n: string) => /timer/.test(n))).toBe(true)
  })

  it('the rest of the app is untouched by the board: unknown routes are still a JSON 404', async () => {
    const res = await api.call('GET', '/admin/queuesx', { as: 'supervisor' })
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('not_found')
  })
})
