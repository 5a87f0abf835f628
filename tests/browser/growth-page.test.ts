import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { loadTenant } from '../../src/config/load-tenant.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { launchChromium, type HeadlessBrowser } from '../support/browser.js'

const DAY = 86_400_000

describe("the console's growth page in headless Chromium: SOP on-time rate and flow completion", () => {
  let h: SandboxHarness
  let browser: HeadlessBrowser
  let page: Page
  let base: string
  const q = (sql: string, params: unknown[] = []): Promise<Array<Record<string, string>>> => h.runtime.ds.query(sql, params)

  beforeAll(async () => {
    h = await startSandbox({ tenant: loadTenant('config/sandbox.yaml'), env: { BATON_API_TOKENS: 'sandbox:supervisor:sandbox' } })
    const addr = h.runtime.server!.address()
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    // a week two weeks back: four SOP posts (three on time, one missed) and two flow runs (one completed, one exited)
    const due = new Date(Date.now() - 14 * DAY)
    for (const [key, status, onTime] of [
      ['a', 'sent', true],
      ['b', 'sent', true],
      ['c', 'sent', true],
      ['d', 'missed', null],
    ] as const)
      await q(`INSERT INTO sop_occurrences (item_key, group_type, group_key, due_at, status, on_time, created_at, updated_at) VALUES ($1, 'community', 'members', $2, $3, $4, $2, $2)`, [
        key,
        due,
        status,
        onTime,
      ])
    const [c] = await q(`INSERT INTO contacts (wecom_id, name, created_at, updated_at) VALUES ('wx-guest-page', '小页', $1, $1) RETURNING id`, [due])
    for (const status of ['completed', 'exited']) {
      const [ev] = await q(`INSERT INTO contact_events (contact_id, kind, detail, at) VALUES ($1, 'joined_group', '{}', $2) RETURNING id`, [c!['id'], due])
      await q(`INSERT INTO flow_runs (contact_id, flow_key, flow_version, definition, status, trigger_event_id, started_at) VALUES ($1, 'new-member-activation', 'v1', '{}', $2, $3, $4)`, [
        c!['id'],
        status,
        ev!['id'],
        due,
      ])
    }
    browser = await launchChromium()
    page = await browser.context.newPage()
    page.setDefaultTimeout(15_000)
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await h?.close()
  })

  it('shows the SOP and flow charts and each rate in the table', async () => {
    await page.goto(`${base}/console`)
    await page.fill('#token', 'sandbox')
    await page.click('#login button[type=submit]')
    await page.locator('#who .me').waitFor()
    await page.goto(`${base}/console/#/growth`)
    await page.locator('main#view[data-loaded=true]').waitFor()
    const captions = await page.locator('#growth-charts figcaption').allTextContents()
    expect(captions).toEqual(expect.arrayContaining(['SOP 发布（按应发的周）', '流程运行（按开始的周）']))
    const rows = await page.locator('#sop-flow-rates tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))
    expect(rows).toContainEqual(['SOP', expect.stringMatching(/年第\d+周$/), '会员社群', '3 / 4', '75%'])
    expect(rows).toContainEqual(['流程', expect.stringMatching(/年第\d+周$/), '新会员激活', '1 / 2', '50%'])
  })
})
