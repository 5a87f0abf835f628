import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { startMockGateway, type MockGateway } from '../support/mock-gateway.js'
import { eventually } from '../support/test-env.js'

describe('the production connection path: wechaty-puppet-service over gRPC (TLS, insecure_ token)', () => {
  let gateway: MockGateway
  let h: SandboxHarness

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    gateway = await startMockGateway(tenant)
    h = await startSandbox({ roles: ['bot', 'api'], env: gateway.env, tenant })
    await eventually(() => h.runtime.session!.ready, { timeoutMs: 20_000 })
  }, 60_000)

  afterAll(async () => {
    await h?.close()
    await gateway?.stop()
  })

  it('connects with the standard Wechaty variables and no in-process sandbox', () => {
    expect(h.runtime.env.sandbox).toBe(false)
    expect(h.runtime.sandbox).toBeUndefined()
    expect(h.runtime.session!.state.userId).toBe('wx-baton')
  })

  it('records a partner message said behind the gateway', async () => {
    gateway.tenant.say({ as: '李师傅', group: 'partner-anxin', text: '【网关】DD20261101001 麻烦客户上传照片' })
    const rows = await eventually(
      async () => {
        const r: Array<{ group_key: string; talker_role: string }> = await h.runtime.ds.query(`SELECT group_key, talker_role FROM messages WHERE text = $1`, ['【网关】DD20261101001 麻烦客户上传照片'])
        return r.length > 0 ? r : null
      },
      { timeoutMs: 15_000 },
    )
    expect(rows).toEqual([{ group_key: 'partner-anxin', talker_role: 'partner' }])
  })

  it("sends through the gateway: the group sees the bot's message", async () => {
    await h.runtime.session!.sayText('r-internal@chatroom', '网关发送测试')
    const line = await eventually(() => gateway.tenant.transcript('internal').find((l) => l.text === '网关发送测试'), { timeoutMs: 15_000 })
    expect(line.talkerId).toBe('wx-baton')
  })

  it('reports readiness of the WeCom session over HTTP', async () => {
    const addr = h.runtime.server!.address()
    const port = typeof addr === 'object' && addr ? addr.port : 0
    const res = await fetch(`http://127.0.0.1:${port}/readyz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ready', checks: { wecom: { ok: true }, postgres: { ok: true }, redis: { ok: true } } })
  })
})
