import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { apiClient, API_TOKENS, API_TOKENS_ENV } from '../support/api-client.js'

// what the console's own page sends with every write (the same-origin check wants it)
const OWN_PAGE = { 'sec-fetch-site': 'same-origin' }

describe('console sessions: a server-side session id in the cookie, never the token', () => {
  let h: SandboxHarness
  let api: ReturnType<typeof apiClient>
  const login = async (token: string, headers: Record<string, string> = {}) => api.call('POST', '/api/v1/session', { body: { token }, headers: { ...OWN_PAGE, ...headers } })
  const cookieOf = (res: { headers: Headers }) => res.headers.get('set-cookie')!.split(';')[0]!
  const sessionRows = async () => (await h.runtime.ds.query(`SELECT id_hash, token_digest, created_at, last_seen_at FROM console_sessions`)) as Array<{ id_hash: string; token_digest: string }>

  beforeAll(async () => {
    h = await startSandbox({ roles: ['api'], env: { BATON_API_TOKENS: API_TOKENS_ENV, BATON_SESSION_IDLE_MS: String(3600_000), BATON_SESSION_MAX_MS: String(8 * 3600_000) } })
    api = apiClient(h)
  })
  afterAll(async () => {
    await h?.close()
  })

  it('login sets a random session id, not the token; the database keeps only its hash', async () => {
    const a = await login(API_TOKENS.viewer)
    expect(a.status).toBe(200)
    const setCookie = a.headers.get('set-cookie')!
    expect(setCookie).toMatch(/^baton_session=[A-Za-z0-9_-]{43};/)
    expect(setCookie).toMatch(/httponly/i)
    expect(setCookie).toMatch(/samesite=strict/i)
    expect(setCookie).toMatch(/path=\//i)
    // plain HTTP, no trusted proxy: not Secure (the browser would drop it)
    expect(setCookie).not.toMatch(/secure/i)
    expect(setCookie).not.toContain(API_TOKENS.viewer)
    const id = cookieOf(a).split('=')[1]!
    // two logins with the same token are two sessions
    const b = await login(API_TOKENS.viewer)
    expect(cookieOf(b)).not.toBe(cookieOf(a))
    const rows = await sessionRows()
    const hash = createHash('sha256').update(id).digest('hex')
    expect(rows.map((r) => r.id_hash)).toContain(hash)
    expect(JSON.stringify(rows)).not.toContain(id)
    expect(JSON.stringify(rows)).not.toContain(API_TOKENS.viewer)
    expect((await api.call('GET', '/api/v1/me', { cookie: cookieOf(a) })).body).toEqual({ name: 'vera', role: 'viewer' })
    // the raw token in the cookie (the old scheme) is no session
    expect((await api.call('GET', '/api/v1/me', { cookie: `baton_session=${API_TOKENS.viewer}` })).status).toBe(401)
    expect((await api.call('GET', '/api/v1/me', { cookie: `baton_token=${API_TOKENS.viewer}` })).status).toBe(401)
  })

  it('logout revokes the session: the same cookie, replayed, is refused', async () => {
    const cookie = cookieOf(await login(API_TOKENS.handler))
    expect((await api.call('GET', '/api/v1/me', { cookie })).status).toBe(200)
    const before = (await sessionRows()).length
    const out = await api.call('DELETE', '/api/v1/session', { cookie, headers: OWN_PAGE })
    expect(out.status).toBe(204)
    expect(out.headers.get('set-cookie')).toMatch(/^baton_session=;.*expires=Thu, 01 Jan 1970/i)
    expect((await sessionRows()).length).toBe(before - 1)
    const replay = await api.call('GET', '/api/v1/me', { cookie })
    expect(replay.status).toBe(401)
    expect(replay.body.error.message).toContain('log in again')
    expect((await api.call('GET', '/api/v1/drafts', { cookie })).status).toBe(401)
  })

  it('a session idle too long, or too old however busy, is refused and forgotten', async () => {
    const idle = cookieOf(await login(API_TOKENS.viewer))
    const old = cookieOf(await login(API_TOKENS.supervisor))
    const hashOf = (c: string) => createHash('sha256').update(c.split('=')[1]!).digest('hex')
    expect((await api.call('GET', '/api/v1/me', { cookie: idle })).status).toBe(200)
    // unused for 61 minutes (idle limit 1 h)
    await h.runtime.ds.query(`UPDATE console_sessions SET last_seen_at = now() - interval '61 minutes', created_at = now() - interval '61 minutes' WHERE id_hash = $1`, [hashOf(idle)])
    // used a minute ago, but opened 8 h 1 min ago (absolute limit 8 h)
    await h.runtime.ds.query(`UPDATE console_sessions SET last_seen_at = now() - interval '1 minute', created_at = now() - interval '8 hours 1 minute' WHERE id_hash = $1`, [hashOf(old)])
    expect((await api.call('GET', '/api/v1/me', { cookie: idle })).status).toBe(401)
    expect((await api.call('GET', '/api/v1/me', { cookie: old })).status).toBe(401)
    const left = (await sessionRows()).map((r) => r.id_hash)
    expect(left).not.toContain(hashOf(idle))
    expect(left).not.toContain(hashOf(old))
  })

  it('a session in use stays alive past the idle limit counted from login', async () => {
    const cookie = cookieOf(await login(API_TOKENS.viewer))
    const hash = createHash('sha256').update(cookie.split('=')[1]!).digest('hex')
    // opened 50 minutes ago, last used 2 minutes ago: a request moves last_seen_at forward
    await h.runtime.ds.query(`UPDATE console_sessions SET created_at = now() - interval '50 minutes', last_seen_at = now() - interval '2 minutes' WHERE id_hash = $1`, [hash])
    expect((await api.call('GET', '/api/v1/me', { cookie })).status).toBe(200)
    const [row] = (await h.runtime.ds.query(`SELECT extract(epoch FROM now() - last_seen_at) AS age FROM console_sessions WHERE id_hash = $1`, [hash])) as Array<{ age: string }>
    expect(Number(row!.age)).toBeLessThan(30)
  })
})

describe('behind a trusted TLS proxy (BATON_TRUST_PROXY=1)', () => {
  let h: SandboxHarness
  let api: ReturnType<typeof apiClient>
  const login = (token: string, headers: Record<string, string>) => api.call('POST', '/api/v1/session', { body: { token }, headers: { ...OWN_PAGE, ...headers } })

  beforeAll(async () => {
    h = await startSandbox({ roles: ['api'], env: { BATON_API_TOKENS: API_TOKENS_ENV, BATON_TRUST_PROXY: '1', BATON_LOGIN_ATTEMPTS_PER_MINUTE: '3' } })
    api = apiClient(h)
  })
  afterAll(async () => {
    await h?.close()
  })

  it('the cookie is Secure when the proxy says the request came over TLS, and only then', async () => {
    const tls = await login(API_TOKENS.viewer, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.1' })
    expect(tls.status).toBe(200)
    expect(tls.headers.get('set-cookie')).toMatch(/;\s*secure/i)
    const plain = await login(API_TOKENS.viewer, { 'x-forwarded-for': '203.0.113.1' })
    expect(plain.status).toBe(200)
    expect(plain.headers.get('set-cookie')).not.toMatch(/secure/i)
  })

  it('failed logins are limited per client address: 429 with Retry-After, even for the right token; other addresses unaffected', async () => {
    const from = (ip: string) => ({ 'x-forwarded-for': ip })
    for (let i = 0; i < 3; i++) expect((await login(`wrong-${i}`, from('198.51.100.7'))).status).toBe(401)
    const blocked = await login(API_TOKENS.viewer, from('198.51.100.7'))
    expect(blocked.status).toBe(429)
    expect(blocked.body.error.code).toBe('too_many_requests')
    expect(blocked.body.error.message).toMatch(/^too many login attempts from this address; try again in \d+ s$/)
    const retry = Number(blocked.headers.get('retry-after'))
    expect(retry).toBeGreaterThan(0)
    expect(retry).toBeLessThanOrEqual(60)
    expect(blocked.body.error.details.retryAfterSeconds).toBe(retry)
    expect(blocked.headers.get('set-cookie')).toBeNull()
    // a client cannot pick a fresh address by prepending to X-Forwarded-For: the proxy's last hop counts
    expect((await login(API_TOKENS.viewer, from('192.0.2.99, 198.51.100.7'))).status).toBe(429)
    // another address logs in
    expect((await login(API_TOKENS.viewer, from('198.51.100.8'))).status).toBe(200)
  })

  it('successful logins do not use up the allowance', async () => {
    for (let i = 0; i < 6; i++) expect((await login(API_TOKENS.handler, { 'x-forwarded-for': '198.51.100.9' })).status, `login ${i}`).toBe(200)
  })
})

describe('without a trusted proxy', () => {
  let h: SandboxHarness
  let api: ReturnType<typeof apiClient>

  beforeAll(async () => {
    h = await startSandbox({ roles: ['api'], env: { BATON_API_TOKENS: API_TOKENS_ENV, BATON_LOGIN_ATTEMPTS_PER_MINUTE: '2' } })
    api = apiClient(h)
  })
  afterAll(async () => {
    await h?.close()
  })

  it('X-Forwarded-* are not believed: no Secure cookie from a forged header, and a forged address does not dodge the limit', async () => {
    const forged = await api.call('POST', '/api/v1/session', { body: { token: API_TOKENS.viewer }, headers: { ...OWN_PAGE, 'x-forwarded-proto': 'https' } })
    expect(forged.status).toBe(200)
    expect(forged.headers.get('set-cookie')).not.toMatch(/secure/i)
    for (let i = 0; i < 2; i++) expect((await api.call('POST', '/api/v1/session', { body: { token: `wrong-${i}` }, headers: { ...OWN_PAGE, 'x-forwarded-for': `10.0.0.${i}` } })).status).toBe(401)
    expect((await api.call('POST', '/api/v1/session', { body: { token: API_TOKENS.viewer }, headers: { ...OWN_PAGE, 'x-forwarded-for': '10.0.0.50' } })).status).toBe(429)
  })
})
