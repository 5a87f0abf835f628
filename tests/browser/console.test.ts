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
/** Where the walk saves what a supervisor sees, to look at by eye (BATON_SHOTS overrides). */
const SHOTS = process.env['BATON_SHOTS'] ?? 'artifacts/console-walk'
/** A token named after the sandbox's supervisor: what the console does, it does as 刘主管. */
const LIU_TOKEN = 'liu-console-Zr7Kq2Wm9Xp4Tb6N'
/** The sandbox tenant's zone (policy.timezone); the browser runs in UTC, eight hours away. */
const TENANT_ZONE = 'Asia/Shanghai'

/** Times as the console and the evidence page show them, in the tenant's zone. */
const consoleTime = (d: Date | string) => new Intl.DateTimeFormat('zh-CN', { timeZone: TENANT_ZONE, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(d))
const pageTime = (d: Date | string) =>
  new Intl.DateTimeFormat('zh-CN', { timeZone: TENANT_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(d))

/**
 * What in a supervisor's page is not for a Chinese-speaking supervisor: English words, codes
 * (sent_direct), raw ids (wx-partner-li, api:sandbox), JSON fragments. Allowed: the product's
 * name, order numbers, a console token's own name where the page says it is one.
 */
function unreadable(text: string): string[] {
  const cleaned = text
    .replace(/控制台令牌「[^」]*」/g, '')
    .replace(/\bBaton\b/g, '')
    .replace(/\b[A-Z]{2}\d{6,}\b/g, '')
  return [...cleaned.matchAll(/[A-Za-z][\w:.@-]*[A-Za-z_]|[{}[\]]|"\w+"\s*:/g)].map((m) => m[0])
}

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
    h = await startSandbox({ tenant, env: { BATON_API_TOKENS: `sandbox:supervisor:sandbox,watcher:viewer:viewer-token-7Qm2xVp9LkR4sT8w,wx-supervisor-liu:supervisor:${LIU_TOKEN}` } })
    const addr = h.runtime.server!.address()
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    // a partner request that must be rewritten: a pending draft for the customer group
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: PARTNER_TEXT })
    await sendsSettled(h)
    // the browser's clock is UTC: every time shown must still be the tenant's
    browser = await launchChromium({ timezoneId: 'UTC' })
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
    // approving now sends the original shown above; a supervisor may force the edit; this one does not
    expect(await card(id).locator('button.approve').textContent()).toBe('批准发送原草稿')
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
    // a handler speaks in the internal group unless the newcomer picks someone else
    expect(await internal.locator('select[name=as]').inputValue()).toBe('wx-handler-wang')
    expect(await page.locator('section.group[data-key=partner-anxin] select[name=as]').inputValue()).toBe('wx-partner-li')
    expect(await page.locator('section.group[data-key=cust-zhang] select[name=as]').inputValue()).toBe('wx-zhang')
    await internal.locator('input[name=text]').fill('/help approve')
    await internal.locator('button[type=submit]').click()
    await expect.poll(() => internal.locator('.line.bot').last().textContent(), { timeout: 15_000 }).toContain('/approve <草稿号>')
    // the direct chat with the bot has its own pane
    const direct = page.locator('section.group[data-key="/direct"]')
    await direct.locator('input[name=text]').fill('/help case')
    await direct.locator('button[type=submit]').click()
    await expect.poll(() => direct.locator('.line.bot').last().textContent(), { timeout: 15_000 }).toContain('Baton助手 → 王小美')
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
    await item.locator('form.dismiss button[type=submit]').click()
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

  it('the attention view: drafts to review and messages for a person, oldest first, each acted on and recorded', async () => {
    await page.goto(`${base}/console/#/login`)
    await page.fill('#token', LIU_TOKEN)
    await page.click('#login button[type=submit]')
    await expect.poll(() => page.locator('#who .me').textContent()).toBe('刘主管（主管）')
    // a message with a case, one without (a member of the public group who is nobody's contact), and a draft to review
    await sayAndSettle(h, { as: '张先生', group: 'cust-zhang', text: '我要投诉，师傅把墙弄坏了' })
    h.runtime.sandbox!.join('members', { name: '小吴' })
    await sayAndSettle(h, { as: '小吴', group: 'members', text: '你们的退款什么时候到账？' })
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261102007 让客户补一下购机发票的照片' })
    const open = (await h.runtime.ds.query(`SELECT id, case_id, group_key, created_at FROM attention_items WHERE cleared_at IS NULL ORDER BY created_at, id`)) as {
      id: string
      case_id: string | null
      group_key: string | null
      created_at: Date
    }[]
    const drafts = (await h.runtime.ds.query(`SELECT id, created_at FROM drafts WHERE status = 'pending'`)) as { id: string; created_at: Date }[]
    const withCase = open.find((r) => r.case_id !== null && r.group_key === 'cust-zhang')!
    const noCase = open.find((r) => r.case_id === null)!
    expect(withCase).toBeDefined()
    expect(noCase).toBeDefined()
    expect(drafts.length).toBeGreaterThan(0)

    await page.goto(`${base}/console/#/attention`)
    await page.locator(`#attention-${withCase.id}`).waitFor()
    // everything that needs a person, oldest first, drafts and messages together
    const expected = [...open.map((r) => ({ id: `attention-${r.id}`, at: r.created_at.getTime() })), ...drafts.map((d) => ({ id: `draft-${d.id}`, at: d.created_at.getTime() }))]
      .sort((a, b) => a.at - b.at)
      .map((x) => x.id)
    expect(await page.locator('#attention > article').evaluateAll((els) => els.map((e) => e.id))).toEqual(expected)
    // who said what where
    const item = page.locator(`#attention-${withCase.id}`)
    expect(await item.textContent()).toContain('来自：张先生·空调安装服务群｜张先生')
    expect(await item.locator('.internal .body').textContent()).toBe('我要投诉，师傅把墙弄坏了')

    // reply: the customer group receives it, the item is cleared, the trail says who answered
    const before = seen(h, 'cust-zhang').length
    await item.locator('button.reply').click()
    await item.locator('form.reply textarea').fill('张先生您好，非常抱歉给您带来不便，我们的主管会在今天内联系您处理墙面问题。')
    await item.locator('form.reply button[type=submit]').click()
    await item.waitFor({ state: 'detached' })
    await sendsSettled(h)
    await eventually(() => seen(h, 'cust-zhang').length === before + 1)
    expect(seen(h, 'cust-zhang').at(-1)).toBe('张先生您好，非常抱歉给您带来不便，我们的主管会在今天内联系您处理墙面问题。')
    const [replied] = (await h.runtime.ds.query(`SELECT cleared_by FROM attention_items WHERE id = $1`, [withCase.id])) as { cleared_by: string }[]
    expect(replied!.cleared_by).toBe('wx-supervisor-liu')
    const trail = (await h.runtime.ds.query(`SELECT kind, actor FROM case_events WHERE case_id = $1 ORDER BY seq`, [withCase.case_id])) as { kind: string; actor: string }[]
    expect(trail).toEqual(expect.arrayContaining([{ kind: 'staff_reply', actor: 'wx-supervisor-liu' }]))

    // open a case for a message nobody's case holds: the person picks the customer
    const orphan = page.locator(`#attention-${noCase.id}`)
    expect(await orphan.locator('button.reply').count()).toBe(1)
    await orphan.locator('button.open-case').click()
    await orphan.locator('form.open-case select[name=customer]').selectOption({ label: '赵女士' })
    await orphan.locator('form.open-case select[name=serviceType]').selectOption({ label: '售后服务' })
    await orphan.locator('form.open-case button[type=submit]').click()
    await orphan.waitFor({ state: 'detached' })
    const [opened] = (await h.runtime.ds.query(`SELECT id, owner_id, customer_key, service_type FROM cases ORDER BY id DESC LIMIT 1`)) as {
      id: string
      owner_id: string
      customer_key: string
      service_type: string
    }[]
    expect(opened).toMatchObject({ owner_id: 'wx-supervisor-liu', customer_key: 'zhao', service_type: 'after_sales' })
    expect(await page.locator('#flash').textContent()).toContain(`已建案件#${opened!.id}`)
    const [first] = (await h.runtime.ds.query(`SELECT kind, actor FROM case_events WHERE case_id = $1 ORDER BY seq LIMIT 1`, [opened!.id])) as { kind: string; actor: string }[]
    expect(first).toEqual({ kind: 'case_opened', actor: 'wx-supervisor-liu' })
  })

  it("walks the case page, the evidence page, the attention view and the metrics page: Chinese, names, the tenant's clock", async () => {
    mkdirSync(SHOTS, { recursive: true })
    // a message that waits for a person on case 1, so the attention view has something to show
    await sayAndSettle(h, { as: '张先生', group: 'cust-zhang', text: '我想改一下上门地址' })
    const readable = async (what: string) => {
      // closed <details> (the raw record) are not rendered, so innerText is what a reader sees
      const text = (await page.evaluate(`(() => {
        const clone = document.body.cloneNode(true)
        for (const el of clone.querySelectorAll('td.hash')) el.remove()
        clone.style.position = 'absolute'
        document.body.append(clone)
        const t = clone.innerText
        clone.remove()
        return t
      })()`)) as string
      expect(unreadable(text), `${what}: ${text}`).toEqual([])
      return text
    }
    const zonedTimes = async () => {
      for (const t of await page.locator('time[datetime]').all()) {
        const iso = await t.getAttribute('datetime')
        expect(await t.textContent(), `time ${iso}`).toBe(consoleTime(iso!))
      }
    }

    // the case page: the timeline as sentences, people and groups by name, times in the tenant's zone
    await page.goto(`${base}/console/#/cases/1`)
    await page.locator('#timeline li').first().waitFor()
    const casePage = await readable('case page')
    expect(casePage).toContain('刘主管')
    expect(casePage).toMatch(/李师傅在「安心安装·协调群」说：/)
    expect(casePage).toMatch(/批准了草稿#1，发往「张先生·空调安装服务群」/)
    expect(casePage).toMatch(/草稿#1已送达「张先生·空调安装服务群」/)
    expect(casePage).toMatch(/把案件状态从「已受理」改为「等待联系人协调执行人」：服务方请求客户配合，需联系人协调执行人/)
    expect(await page.locator('#timeline time[datetime]').count()).toBeGreaterThan(3)
    await zonedTimes()
    // the raw record is one click away
    const raw = page.locator('#timeline li details').first()
    await raw.locator('summary').click()
    expect(await raw.locator('pre').textContent()).toContain('"actor"')
    await raw.locator('summary').click()
    await page.screenshot({ path: `${SHOTS}/case.png`, fullPage: true })

    // the evidence page: sentences in 内容, the whole hash, times in the tenant's zone
    const events = (await h.runtime.ds.query(`SELECT seq, at, hash FROM case_events WHERE case_id = 1 ORDER BY seq`)) as { seq: number; at: Date; hash: string }[]
    await page.goto(`${base}/api/v1/cases/1/evidence.html`)
    await readable('evidence page')
    const rows = page.locator('tbody tr')
    expect(await rows.count()).toBe(events.length)
    for (const [i, e] of events.entries()) {
      expect(await rows.nth(i).locator('td.at').textContent()).toBe(pageTime(e.at))
      expect(await rows.nth(i).locator('td.hash').textContent()).toBe(e.hash)
    }
    // nothing of the hash is cut off or hidden
    expect(await page.locator('td.hash code').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).length)).toBe(0)
    expect(await page.locator('td.what pre:visible').count()).toBe(0)
    await page.screenshot({ path: `${SHOTS}/evidence.png`, fullPage: true })

    // the attention view
    await page.goto(`${base}/console/#/attention`)
    await page.locator('#attention > article').first().waitFor()
    await readable('attention view')
    await zonedTimes()
    expect(await page.locator('#attention time[datetime]').count()).toBeGreaterThan(0)
    await page.screenshot({ path: `${SHOTS}/attention.png`, fullPage: true })

    // the review queue
    await page.goto(`${base}/console/#/review`)
    await page.locator('#drafts > article').first().waitFor()
    await readable('review queue')
    await zonedTimes()
    await page.screenshot({ path: `${SHOTS}/review.png`, fullPage: true })

    // the case list with its pickers: names, never ids
    await page.goto(`${base}/console/#/cases`)
    await page.locator('table.cases tbody tr').first().waitFor()
    expect(await page.locator('#case-filters select[name=owner] option').allTextContents()).toEqual(['全部', '王小美', '陈明', '刘主管'])
    await page.selectOption('#case-filters select[name=partner]', { label: '安心安装服务' })
    await page.click('#case-filters button[type=submit]')
    await expect.poll(() => page.url()).toContain('partner=anxin')
    await readable('case list')
    await zonedTimes()
    await page.screenshot({ path: `${SHOTS}/cases.png`, fullPage: true })

    // the metrics page, with the definitions open
    await page.goto(`${base}/console/#/metrics`)
    await page.locator('main#view[data-loaded=true]').waitFor()
    await page.locator('details.definitions summary').click()
    const metrics = await readable('metrics page')
    expect(metrics).toContain('超时率')
    expect(await page.locator('details.definitions dt').allTextContents()).toContain('当前等待中')
    await page.screenshot({ path: `${SHOTS}/metrics.png`, fullPage: true })

    // the sandbox panes, for the screenshot (the sandbox is a newcomer's page, not checked above)
    await page.goto(`${base}/console/#/sandbox`)
    await page.locator('section.group[data-key=internal] .line').first().waitFor()
    await page.screenshot({ path: `${SHOTS}/sandbox.png`, fullPage: true })
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
