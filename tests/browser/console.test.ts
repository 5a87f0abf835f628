import { mkdirSync, statSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { loadTenant } from '../../src/config/load-tenant.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { sayAndSettle, seen, sendsSettled } from '../support/groups.js'
import { eventually } from '../support/test-env.js'
import { launchChromium, type HeadlessBrowser } from '../support/browser.js'

const PARTNER_TEXT = 'DD20261101001 麻烦让客户上传一下空调安装位置的照片，内部工单池已派单，师傅李工电话13912345678'
const SCREENSHOT = 'artifacts/console-metrics.png'

describe('the web console in headless Chromium', () => {
  let h: SandboxHarness
  let browser: HeadlessBrowser
  let page: Page
  let base: string
  const latestDraft = async (): Promise<{ id: number; text: string }> => {
    const [row] = (await h.runtime.ds.query(`SELECT id, text FROM drafts ORDER BY id DESC LIMIT 1`)) as { id: string; text: string }[]
    return { id: Number(row!.id), text: row!.text }
  }
  const card = (id: number) => page.locator(`#draft-${id}`)

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.outbound = { ...tenant.outbound, perGroupPerMinute: 1000 }
    // the sandbox token plus a read-only one
    h = await startSandbox({ tenant, env: { BATON_API_TOKENS: 'sandbox:supervisor:sandbox,watcher:viewer:viewer-token-7Qm2xVp9LkR4sT8w' } })
    const addr = h.runtime.server!.address()
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    // a partner request that must be rewritten: a pending draft for the customer group
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: PARTNER_TEXT })
    await sendsSettled(h)
    browser = await launchChromium()
    page = await browser.context.newPage()
    page.setDefaultTimeout(15_000)
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await h?.close()
  })

  it('refuses a wrong token, then logs in with the sandbox token and shows the review queue', async () => {
    await page.goto(`${base}/console`)
    await page.fill('#token', 'not-a-token')
    await page.click('#login button[type=submit]')
    await expect.poll(() => page.locator('#login .error').textContent()).toBe('令牌不正确。')
    await page.fill('#token', 'sandbox')
    await page.click('#login button[type=submit]')
    await page.locator('#who .me').waitFor()
    expect(await page.locator('#who .me').textContent()).toBe('sandbox（主管）')
    await card(1).waitFor()
    // the cookie is httpOnly: page scripts never see the token
    expect(await page.evaluate('document.cookie')).not.toContain('sandbox')
  })

  it('shows the customer-safe text, and the internal original apart and marked internal', async () => {
    const draft = await latestDraft()
    expect(await card(1).locator('.customer .body').textContent()).toBe(draft.text)
    expect(await card(1).locator('.internal .caption').textContent()).toBe('〔内部原文·勿外发〕')
    expect(await card(1).locator('.internal .body').textContent()).toContain('内部工单池已派单')
    expect(await card(1).locator('.customer .body').textContent()).not.toContain('工单池')
  })

  it('approves a draft from the console, and the customer group receives exactly the customer-safe text', async () => {
    const draft = await latestDraft()
    expect(seen(h, 'cust-zhang')).toEqual([])
    await card(1).locator('button.approve').click()
    await card(1).waitFor({ state: 'detached' })
    expect(await page.locator('#flash').textContent()).toContain('草稿#1：已批准')
    await sendsSettled(h)
    await eventually(() => seen(h, 'cust-zhang').length === 1)
    expect(seen(h, 'cust-zhang')).toEqual([draft.text])
    const [row] = await h.runtime.ds.query(`SELECT status, decided_by FROM drafts WHERE id = 1`)
    expect(row).toEqual({ status: 'approved', decided_by: 'api:sandbox' })
  })

  it('a draft decided in chat meanwhile: the console says who decided it and nothing is sent twice', async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261102007 让客户补一下发票照片' })
    const { id } = await latestDraft()
    await page.click('.toolbar button:has-text("刷新")')
    await card(id).waitFor()
    await sayAndSettle(h, { as: 'wx-supervisor-liu', group: 'internal', text: `/reject ${id} 已电话沟通` })
    await card(id).locator('button.approve').click()
    await expect.poll(() => card(id).locator('.result').textContent()).toMatch(/该草稿已由 刘主管 于 .* 处理（已驳回），不会重复发送。/)
    await sendsSettled(h)
    expect(seen(h, 'cust-zhao')).toEqual([])
  })

  it('an edit that leaks is blocked with the reason; a clean edit is sent', async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: '老张那边再让客户拍一下铭牌' })
    const { id } = await latestDraft()
    await page.click('.toolbar button:has-text("刷新")')
    await card(id).locator('button.edit').click()
    await card(id).locator('textarea').fill('张先生您好，麻烦加我微信13700000000发一下')
    await card(id).locator('form.editor button[type=submit]').first().click()
    await expect.poll(() => card(id).locator('.result').textContent()).toContain('修改未通过外发检查，未发送：电话号码「13700000000」')
    // a supervisor may force it; this one does not
    expect(await card(id).locator('button.force').count()).toBe(1)
    await sendsSettled(h)
    expect(seen(h, 'cust-zhang')).toHaveLength(1)
    await card(id).locator('textarea').fill('张先生您好，麻烦在群里发一张设备铭牌的照片，谢谢！')
    await card(id).locator('form.editor button[type=submit]').first().click()
    await card(id).waitFor({ state: 'detached' })
    await sendsSettled(h)
    await eventually(() => seen(h, 'cust-zhang').length === 2)
    expect(seen(h, 'cust-zhang').at(-1)).toBe('张先生您好，麻烦在群里发一张设备铭牌的照片，谢谢！')
  })

  it('lists cases with overdue ones highlighted and filters them; a case shows its timeline and evidence page', async () => {
    // time passes: case 1's due time is an hour ago
    await h.runtime.ds.query(`UPDATE cases SET due_at = now() - interval '1 hour' WHERE id = 1`)
    await page.goto(`${base}/console/#/cases`)
    const overdueRow = page.locator('table.cases tr.overdue')
    await overdueRow.first().waitFor()
    expect(await overdueRow.count()).toBe(1)
    expect(await overdueRow.locator('td').first().textContent()).toBe('#1')
    expect(await overdueRow.textContent()).toContain('等待联系人协调执行人')
    expect(await overdueRow.textContent()).toContain('已超时')
    expect(await page.locator('table.cases tbody tr').count()).toBeGreaterThan(1)

    await page.selectOption('#case-filters select[name=overdue]', 'true')
    await page.click('#case-filters button[type=submit]')
    await expect.poll(() => page.locator('table.cases tbody tr').count()).toBe(1)
    expect(page.url()).toContain('overdue=true')

    await overdueRow.click()
    await page.locator('#timeline li').first().waitFor()
    const kinds = await page.locator('#timeline li strong').allTextContents()
    expect(kinds).toEqual(expect.arrayContaining(['建案', '收到消息', '生成草稿', '审核处理', '发送结果']))
    expect(await page.locator('#evidence-link').getAttribute('href')).toBe('/api/v1/cases/1/evidence.html')
    // the printable page opens with the session cookie alone
    const evidence = await page.request.get(`${base}/api/v1/cases/1/evidence.html`)
    expect(evidence.status()).toBe(200)
    expect(evidence.headers()['content-type']).toContain('text/html')
  })

  it('draws the metrics as charts and saves a screenshot', async () => {
    await page.goto(`${base}/console/#/metrics`)
    await page.locator('main#view[data-loaded=true]').waitFor()
    expect(await page.locator('#charts canvas').count()).toBe(4)
    expect(await page.locator('#charts figcaption').allTextContents()).toEqual(['等待项（每日）', '超时率', '送达与回写时长（中位数，小时）', '审核结果'])
    expect(await page.locator('#figures table.figures tbody tr').count()).toBeGreaterThan(0)
    mkdirSync('artifacts', { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000)
  })

  it('in the sandbox, shows the simulated groups and lets a newcomer type in them', async () => {
    await page.goto(`${base}/console/#/sandbox`)
    const internal = page.locator('section.group[data-key=internal]')
    await internal.locator('.line').first().waitFor()
    await internal.locator('select[name=as]').selectOption('wx-handler-wang')
    await internal.locator('input[name=text]').fill('/help approve')
    await internal.locator('button[type=submit]').click()
    await expect.poll(() => internal.locator('.line.bot').last().textContent(), { timeout: 15_000 }).toContain('/approve <草稿号>')
  })

  it('lists messages waiting for a person with a count beside the review queue, and clears one with a note', async () => {
    await sayAndSettle(h, { as: '张先生', group: 'cust-zhang', text: '插座有股焦糊味' })
    const openCount = async () => ((await h.runtime.ds.query(`SELECT count(*)::int AS n FROM attention_items WHERE cleared_at IS NULL`)) as { n: number }[])[0]!.n
    const [row] = (await h.runtime.ds.query(`SELECT id FROM attention_items WHERE cleared_at IS NULL AND text = '插座有股焦糊味' ORDER BY id DESC LIMIT 1`)) as { id: string }[]
    const id = Number(row!.id)
    const before = await openCount()
    await page.goto(`${base}/console/#/attention`)
    const item = page.locator(`#attention-${id}`)
    await item.waitFor()
    expect(await page.locator('#nav a[data-view=attention]').textContent()).toContain('需要人工处理')
    await expect.poll(() => page.locator('#attention-count').textContent()).toBe(String(before))
    expect(await item.locator('.internal .caption').textContent()).toBe('〔内部原文·勿外发〕')
    expect(await item.locator('.internal .body').textContent()).toBe('插座有股焦糊味')
    expect(await item.locator('.tag.risk').allTextContents()).toContain('安全隐患')
    expect(await item.textContent()).toContain('张先生·空调安装服务群')

    await item.locator('button.clear').click()
    await item.locator('input[name=note]').fill('已电话联系，安排师傅上门')
    await item.locator('form.editor button[type=submit]').click()
    await item.waitFor({ state: 'detached' })
    expect(await page.locator('#flash').textContent()).toContain(`事项#${id}：已标记为已处理`)
    const [cleared] = (await h.runtime.ds.query(`SELECT cleared_by, clear_note FROM attention_items WHERE id = $1`, [id])) as { cleared_by: string; clear_note: string }[]
    expect(cleared).toEqual({ cleared_by: 'api:sandbox', clear_note: '已电话联系，安排师傅上门' })
    const after = await openCount()
    expect(after).toBe(before - 1)
    // the badge follows: the count, or hidden when nothing is left
    if (after === 0) await expect.poll(() => page.locator('#attention-count').isHidden()).toBe(true)
    else await expect.poll(() => page.locator('#attention-count').textContent()).toBe(String(after))
  })

  it('logs out: the cookie is gone and the console asks for a token again', async () => {
    await page.goto(`${base}/console/#/review`)
    await page.click('#logout')
    await page.locator('#login').waitFor()
    expect((await page.request.get(`${base}/api/v1/me`)).status()).toBe(401)
  })

  it('a viewer sees the review queue but cannot decide', async () => {
    const before = await latestDraft()
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: '老张那边再让客户拍一下空调外机的照片' })
    const { id } = await latestDraft()
    expect(id).toBeGreaterThan(before.id)
    await page.fill('#token', 'viewer-token-7Qm2xVp9LkR4sT8w')
    await page.click('#login button[type=submit]')
    await card(id).waitFor()
    expect(await page.locator('#who .me').textContent()).toBe('watcher（只读）')
    expect(await card(id).locator('button').count()).toBe(0)
    expect(await card(id).textContent()).toContain('只读令牌不能审核。')
  })
})
