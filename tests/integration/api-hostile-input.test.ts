import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ZodTypeAny } from 'zod'
import { loadTenant } from '../../src/config/load-tenant.js'
import { approveBody, editBody, emptyBody, rejectBody, sessionBody } from '../../src/adapters/http/api-schemas.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { sayAndSettle, sendsSettled } from '../support/groups.js'
import { apiClient, API_TOKENS_ENV, type ApiResponse } from '../support/api-client.js'

/** Bodies a careless or hostile client might send: any JSON, objects with the right keys and wrong values, prototype tricks. */
const keys = fc.oneof(fc.constantFrom('force', 'text', 'reason', 'token', '__proto__', 'constructor', 'prototype', ''), fc.string({ maxLength: 12 }))
const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.boolean(), fc.constantFrom('', ' ', '\u0000', '\u200b', '好'.repeat(4001), 'true', '1e309', 'null'), fc.string({ maxLength: 50 }))
const hostileBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(keys, value, { maxKeys: 4 }),
  fc.record({ force: value }, { requiredKeys: [] }),
  fc.record({ text: value }, { requiredKeys: [] }),
  fc.record({ reason: value }, { requiredKeys: [] }),
)
const rawText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom('{', '{"force": tru', '[1,2', '"unterminated', '{"__proto__": {"force": true}}', '{"text": "a", "text": 5}', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]', 'nul'),
)

/** A 4xx with the contract's error body, and a 400 names a field. Never a 500. */
function expectClear4xx(res: ApiResponse, context: string): void {
  expect(res.status, `${context}: ${res.text}`).toBeGreaterThanOrEqual(400)
  expect(res.status, `${context}: ${res.text}`).toBeLessThan(500)
  expect(typeof res.body?.error?.code, context).toBe('string')
  expect(typeof res.body?.error?.message, context).toBe('string')
  if (res.status === 400) {
    expect(typeof res.body.error.details?.field, `${context}: ${res.text}`).toBe('string')
    expect(res.body.error.details.field.length, context).toBeGreaterThan(0)
  }
}

describe('hostile input to the draft and case routes never yields a 500 and always a clear 4xx', () => {
  let h: SandboxHarness
  let api: ReturnType<typeof apiClient>
  let decided: number

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    // the supervisor's token is named after the sandbox's supervisor (taking a draft needs a
    // person), and logins are not throttled: hundreds of hostile bodies are the point here
    h = await startSandbox({ tenant, env: { BATON_API_TOKENS: API_TOKENS_ENV.replace('sue:', 'wx-supervisor-liu:'), BATON_LOGIN_ATTEMPTS_PER_MINUTE: '100000' } })
    api = apiClient(h)
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261102007 让客户补一下发票照片' })
    const [d] = await h.runtime.ds.query(`SELECT id FROM drafts WHERE status = 'pending' ORDER BY id LIMIT 1`)
    decided = Number(d.id)
    expect((await api.call('POST', `/api/v1/drafts/${decided}/reject`, { as: 'supervisor', body: { reason: 'property test' } })).status).toBe(200)
    await sendsSettled(h)
  })
  afterAll(async () => {
    await h?.close()
  })

  const routes: Array<[string, ZodTypeAny]> = [
    ['approve', approveBody],
    ['edit', editBody],
    ['reject', rejectBody],
    ['take', emptyBody],
    ['recall', emptyBody],
  ]

  it.each(routes)('POST /drafts/:id/%s: an invalid JSON body is a 400 naming the field; a valid one reaches the use case (404 unknown, 409 decided)', async (verb, schema) => {
    await fc.assert(
      fc.asyncProperty(hostileBody, fc.constantFrom(decided, 987654), async (body, id) => {
        const res = await api.call('POST', `/api/v1/drafts/${id}/${verb}`, { as: 'supervisor', body })
        const context = `${verb} ${id} ${JSON.stringify(body)}`
        expectClear4xx(res, context)
        const valid = schema.safeParse(body).success
        if (valid) expect(res.status, context).toBe(id === decided ? 409 : 404)
        else expect(res.status, context).toBe(400)
      }),
      { numRuns: 120 },
    )
  })

  it('POST /drafts/:id/<verb> with raw, malformed or oddly typed bodies: a clear 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes.map(([v]) => v)),
        rawText,
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml'),
        fc.oneof(fc.constant(String(decided)), fc.constantFrom('0', '-1', '1.5', 'abc', '99999999999999999999', '%20', '1e3')),
        async (verb, raw, type, id) => {
          const res = await api.call('POST', `/api/v1/drafts/${id}/${verb}`, { as: 'supervisor', rawBody: raw, headers: { 'content-type': type } })
          expectClear4xx(res, `${verb} ${id} ${type} ${JSON.stringify(raw)}`)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('POST /session with any body: a 400 naming the field, or 401 for a well-formed unknown token', async () => {
    await fc.assert(
      fc.asyncProperty(hostileBody, async (body) => {
        const res = await api.call('POST', '/api/v1/session', { body })
        expectClear4xx(res, JSON.stringify(body))
        expect(res.status).toBe(sessionBody.safeParse(body).success ? 401 : 400)
      }),
      { numRuns: 100 },
    )
  })

  it('GET /cases with random query parameters: 200, or a 400 naming one of the given parameters', async () => {
    const param = fc.oneof(fc.constantFrom('state', 'party', 'owner', 'overdue', 'open', 'group', 'partner', 'limit', 'offset'), fc.string({ minLength: 1, maxLength: 8 }))
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(param, fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('true', 'false', '0', '-1', '201', 'waiting_partner', 'team', 'NaN', '1e2'))), { maxLength: 4 }),
        async (pairs) => {
          const qs = new URLSearchParams(pairs).toString()
          const res = await api.call('GET', `/api/v1/cases?${qs}`, { as: 'viewer' })
          if (res.status === 200) {
            expect(Array.isArray(res.body.items)).toBe(true)
            expect(typeof res.body.total).toBe('number')
            return
          }
          expectClear4xx(res, qs)
          expect(res.status, qs).toBe(400)
          const given = new Set(pairs.map(([k]) => k))
          expect(given.has(res.body.error.details.field), `${qs} → ${res.body.error.details.field}`).toBe(true)
        },
      ),
      { numRuns: 150 },
    )
  })

  it('GET /cases/:id and its evidence with random ids: 200, 404 or a 400 naming id', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.integer().map(String), fc.double().map(String)), fc.constantFrom('', '/evidence', '/evidence.html'), async (raw, suffix) => {
        const res = await api.call('GET', `/api/v1/cases/${encodeURIComponent(raw)}${suffix}`, { as: 'viewer' })
        if (res.status === 200) return
        expectClear4xx(res, raw)
        if (res.status === 400) expect(res.body.error.details.field).toBe('id')
      }),
      { numRuns: 150 },
    )
  })
})
