import { randomBytes } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { loadTenant } from '../../src/config/load-tenant.js'
import { closeServer } from '../../src/adapters/http/create-http-app.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { sayAndSettle, seen, sendsSettled } from '../support/groups.js'
import { launchChromium, type HeadlessBrowser } from '../support/browser.js'

// a supervisor token named after the sandbox's supervisor: taking a draft needs a person
const TOKEN = randomBytes(24).toString('hex')

/** Attack pages a page on another port of the same host serves: same site, so SameSite=Strict cookies go along. */
function attackPages(target: string, draftId: number): Record<string, string> {
  const take = `${target}/api/v1/drafts/${draftId}/take`
  const page = (body: string) => `<!doctype html><html><body>${body}</body></html>`
  return {
    // text/plain forms can carry a JSON-looking body: {"a":"=x"}
    '/text-form': page(`<form method="post" enctype="text/plain" action="${take}"><input name='{"a":"' value='x"}'></form><script>document.forms[0].submit()</script>`),
    '/url-form': page(`<form method="post" action="${take}"><input name="force" value="true"></form><script>document.forms[0].submit()</script>`),
    // a bodiless POST has no content type to refuse: only the origin check stops it
    '/no-cors-fetch': page(`<script>fetch(${JSON.stringify(take)}, { method: 'POST', mode: 'no-cors', credentials: 'include' }).finally(() => { document.title = 'sent' })</script>`),
    '/sandbox-form': page(
      `<form method="post" enctype="text/plain" action="${target}/sandbox/say"><input name='{"as":"wx-zhao","group":"cust-zhao","text":"forged","x":"' value='"}'></form><script>document.forms[0].submit()</script>`,
    ),
    '/sandbox-fetch': page(
      `<script>fetch(${JSON.stringify(`${target}/sandbox/say`)}, { method: 'POST', mode: 'no-cors', body: ${JSON.stringify(JSON.stringify({ as: 'wx-zhao', group: 'cust-zhao', text: 'forged' }))} }).finally(() => { document.title = 'sent' })</script>`,
    ),
  }
}

describe('cross-origin pages cannot act through a logged-in console (real Chromium)', () => {
  let h: SandboxHarness
  let browser: HeadlessBrowser
  let page: Page
  let base: string
  let attacker: Server
  let evil: string
  let draftId: number
  const cspViolations: string[] = []
  // what reached Baton's server for each POST, as Chromium sent it (the page cannot read the answer)
  const posts: IncomingHttpHeaders[] = []
  const status = async (): Promise<string> => ((await h.runtime.ds.query(`SELECT status FROM drafts WHERE id = $1`, [draftId])) as { status: string }[])[0]!.status

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.outbound = { ...tenant.outbound, perGroupPerMinute: 1000 }
    h = await startSandbox({ tenant, env: { BATON_API_TOKENS: `wx-supervisor-liu:supervisor:${TOKEN}` } })
    h.runtime.server!.prependListener('request', (req: IncomingMessage) => void (req.method === 'POST' && posts.push(req.headers)))
    const addr = h.runtime.server!.address()
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261101001 麻烦让客户上传一下空调安装位置的照片，内部工单池已派单' })
    await sendsSettled(h)
    const [row] = (await h.runtime.ds.query(`SELECT id FROM drafts WHERE status = 'pending' ORDER BY id DESC LIMIT 1`)) as { id: string }[]
    draftId = Number(row!.id)
    const pages = attackPages(base, draftId)
    attacker = createServer((req, res) => {
      const html = pages[req.url ?? '']
      res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' }).end(html ?? 'no such page')
    })
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve))
    const evilAddr = attacker.address()
    evil = `http://127.0.0.1:${typeof evilAddr === 'object' && evilAddr ? evilAddr.port : 0}`
    browser = await launchChromium()
    page = await browser.context.newPage()
    page.setDefaultTimeout(15_000)
    page.on('console', (msg) => {
      if (msg.text().includes('Content Security Policy')) cspViolations.push(`${page.url()}: ${msg.text()}`)
    })
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    if (attacker) await closeServer(attacker)
    await h?.close()
  })

  it('logs in through the console (its own JSON posts pass) and sees the pending draft', async () => {
    await page.goto(`${base}/console/`)
    await page.fill('#token', TOKEN)
    await page.click('#login button[type=submit]')
    await page.locator(`#draft-${draftId}`).waitFor()
    expect(cspViolations).toEqual([])
  })

  it('a form on another port of the same host that auto-submits to take over the draft is refused; the draft stays pending', async () => {
    for (const path of ['/text-form', '/url-form']) {
      const answer = page.waitForResponse((r) => r.url().startsWith(base) && r.request().method() === 'POST')
      await page.goto(`${evil}${path}`)
      const res = await answer
      expect(res.status(), path).toBe(415)
      expect((await res.json()).error.code, path).toBe('json_required')
      expect(await status(), path).toBe('pending')
    }
  })

  it('a bodiless no-cors fetch from another port carries the cookie but is refused by origin; the draft stays pending', async () => {
    posts.length = 0
    await page.goto(`${evil}/no-cors-fetch`)
    // the answer is hidden from the page (opaque, and Cross-Origin-Resource-Policy blocks it)
    await expect.poll(() => page.title()).toBe('sent')
    // Chromium said where the request came from, and the session cookie went along (same site)
    expect(posts).toHaveLength(1)
    expect(posts[0]!['sec-fetch-site']).toBe('same-site')
    const [session] = await browser.context.cookies(base)
    expect(session?.httpOnly).toBe(true)
    expect(posts[0]!['cookie']).toContain(`${session!.name}=${session!.value}`)
    expect(await status()).toBe('pending')
  })

  it('the sandbox takes no forged message from another port', async () => {
    const before = seen(h, 'cust-zhao').length
    const answer = page.waitForResponse((r) => r.url().startsWith(base) && r.request().method() === 'POST')
    await page.goto(`${evil}/sandbox-form`)
    expect((await answer).status()).toBe(415)
    posts.length = 0
    await page.goto(`${evil}/sandbox-fetch`)
    await expect.poll(() => page.title()).toBe('sent')
    expect(posts.map((p) => p['sec-fetch-site'])).toEqual(['same-site'])
    await new Promise((r) => setTimeout(r, 500))
    expect(seen(h, 'cust-zhao')).toHaveLength(before)
  })

  it('the console still takes the draft over itself, and every page loads under the CSP', async () => {
    await page.goto(`${base}/console/#/review`)
    const card = page.locator(`#draft-${draftId}`)
    await card.locator('button.take').click()
    await expect.poll(status).toBe('taken_over')

    // the sandbox page runs its script and posts as the newcomer types
    await page.goto(`${base}/sandbox/`)
    const internal = page.locator('section').filter({ hasText: '客服内部群' })
    await internal.locator('select[name=as]').selectOption('wx-handler-wang')
    await internal.locator('input[name=text]').fill('/help approve')
    await internal.locator('button:not(.img)').click()
    await expect.poll(() => internal.locator('.line.bot').last().textContent(), { timeout: 15_000 }).toContain('/approve')

    // the evidence page's print button is the one inline handler the CSP allows (by its hash)
    await page.addInitScript('window.print = () => { document.title = "printed" }')
    await page.goto(`${base}/api/v1/cases/1/evidence.html`)
    await page.locator('button').click()
    await expect.poll(() => page.title()).toBe('printed')

    await page.goto(`${base}/admin/queues`)
    await page.locator('text=outbound').first().waitFor()
    // bull-board links Google Fonts: blocked (and unreachable anyway); it falls back to system fonts
    expect(cspViolations.filter((v) => !v.includes('fonts.googleapis.com'))).toEqual([])
  })
})
