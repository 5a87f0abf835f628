import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { sayAndSettle } from '../support/groups.js'
import { eventually } from '../support/test-env.js'

// Found by the benchmark: two photos arriving together were both decided on the case as it was
// before either locked it; the second one's write-back was refused and its message never decided.
describe('two photos arriving at once for a case waiting on material', () => {
  let h: SandboxHarness

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.policy = { automaticCategories: ['material_received'] }
    h = await startSandbox({ tenant, roles: ['bot'] })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('decides both messages and writes back to the partner once', async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: '订单DD20261102007，麻烦让客户补一下发票照片' })
    const sandbox = h.runtime.sandbox!
    for (let i = 0; i < 3; i++) sandbox.say({ as: 'wx-zhao', group: 'cust-zhao', image: `invoice-${i}.jpg` })
    const rows = await eventually(
      async () => {
        const r: Array<{ n: number; open: number }> = await h.runtime.ds.query(
          `SELECT count(*)::int AS n, count(*) FILTER (WHERE handled_at IS NULL)::int AS open FROM messages WHERE direction = 'inbound' AND type = 'image'`,
        )
        return r[0]!.n === 3 && r[0]!.open === 0 ? r : null
      },
      { timeoutMs: 15_000 },
    )
    expect(rows[0]).toEqual({ n: 3, open: 0 })
    const [c] = await h.runtime.ds.query(`SELECT id, state FROM cases WHERE customer_key = 'zhao' ORDER BY id DESC LIMIT 1`)
    expect(c.state).toBe('waiting_partner')
    const writebacks: Array<{ n: number }> = await h.runtime.ds.query(`SELECT count(*)::int AS n FROM sends WHERE kind = 'writeback' AND case_id = $1`, [c.id])
    expect(writebacks[0]!.n).toBe(1)
  })
})
