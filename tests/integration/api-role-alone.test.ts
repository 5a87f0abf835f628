import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { apiClient, API_TOKENS_ENV } from '../support/api-client.js'

describe('the api role alone (scaled out, no WeCom session in this process)', () => {
  let h: SandboxHarness
  let api: ReturnType<typeof apiClient>

  beforeAll(async () => {
    h = await startSandbox({ roles: ['api'], env: { BATON_API_TOKENS: API_TOKENS_ENV } })
    api = apiClient(h)
  })
  afterAll(async () => {
    await h?.close()
  })

  it('serves reads, the OpenAPI document and the queue board', async () => {
    expect(h.runtime.session).toBeUndefined()
    expect((await api.call('GET', '/api/v1/me', { as: 'viewer' })).body).toEqual({ name: 'vera', role: 'viewer' })
    expect((await api.call('GET', '/api/v1/cases', { as: 'viewer' })).body).toEqual({ items: [], total: 0 })
    expect((await api.call('GET', '/api/v1/drafts', { as: 'viewer' })).body).toEqual({ items: [] })
    expect((await api.call('GET', '/api/v1/openapi.json')).status).toBe(200)
    expect((await api.call('GET', '/admin/queues/api/queues', { as: 'supervisor' })).status).toBe(200)
  })

  it('answers a recall with 503 naming the missing bot role: the recall needs the WeCom session', async () => {
    const res = await api.call('POST', '/api/v1/drafts/1/recall', { as: 'handler' })
    expect(res.status).toBe(503)
    expect(res.body.error).toMatchObject({ code: 'dependency_down', details: { need: 'bot' } })
  })
})
