import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PuppetServer } from 'wechaty-puppet-service'
import { loadTenant } from '../../src/config/load-tenant.js'
import { SandboxTenant } from '../../src/adapters/wecom/sandbox-tenant.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { freePort } from '../support/mock-gateway.js'
import { eventually } from '../support/test-env.js'

/** The webhook targets: a fake WeCom group robot and a generic JSON hook, both local. */
async function startAlertSink(): Promise<{
  base: string
  robot: Array<{ key: string | null; body: { msgtype: string; markdown: { content: string } } }>
  hook: Array<{ event: string; text: string }>
  close(): Promise<void>
}> {
  const robot: Array<{ key: string | null; body: { msgtype: string; markdown: { content: string } } }> = []
  const hook: Array<{ event: string; text: string }> = []
  const server: Server = createServer((req, res) => {
    let data = ''
    req.on('data', (c: Buffer) => (data += c.toString()))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      if (url.pathname === '/cgi-bin/webhook/send') robot.push({ key: url.searchParams.get('key'), body: JSON.parse(data) })
      else hook.push(JSON.parse(data))
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ errcode: 0, errmsg: 'ok' }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const addr = server.address()
  return { base: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, robot, hook, close: () => new Promise((r) => server.close(() => r())) }
}

describe('connection watchdog and offline alerts, through a real wechaty-puppet-service gateway', () => {
  const tenantConfig = loadTenant('config/sandbox.yaml')
  let tenant: SandboxTenant
  let server: PuppetServer | null = null
  let endpoint = ''
  const token = `insecure_${randomUUID()}`
  let sink: Awaited<ReturnType<typeof startAlertSink>>
  let h: SandboxHarness
  let base = ''
  const startGateway = async (): Promise<void> => {
    server = new PuppetServer({ endpoint, puppet: tenant.puppet, token })
    await server.start()
  }
  const readyz = async (): Promise<{ status: number; body: { checks: Record<string, Record<string, unknown>> } }> => {
    const res = await fetch(`${base}/readyz`)
    return { status: res.status, body: (await res.json()) as never }
  }

  beforeAll(async () => {
    sink = await startAlertSink()
    tenant = new SandboxTenant(tenantConfig)
    await tenant.puppet.start()
    tenant.populate()
    // Baton's puppet-service client stops the gateway's puppet when a start fails (its `stop`
    // RPC); a real provider's session logs back in on the next start, the mock must too
    tenant.loginAgainOnStart()
    endpoint = `127.0.0.1:${await freePort()}`
    await startGateway()
    h = await startSandbox({
      roles: ['bot', 'api'],
      tenant: tenantConfig,
      env: {
        WECHATY_PUPPET: 'wechaty-puppet-service',
        WECHATY_PUPPET_SERVICE_TOKEN: token,
        WECHATY_PUPPET_SERVICE_ENDPOINT: endpoint,
        BATON_WATCHDOG_SILENT_MS: '4000',
        BATON_WATCHDOG_CHECK_MS: '200',
        BATON_RESET_BACKOFF_MS: '300',
        BATON_RESET_BACKOFF_MAX_MS: '2000',
        BATON_ALERT_AFTER_MS: '1000',
        BATON_ALERT_NAME: '测试机器人',
        BATON_ALERT_WECOM_WEBHOOK_KEY: 'robot-key-1',
        BATON_ALERT_WECOM_WEBHOOK_URL: `${sink.base}/cgi-bin/webhook/send`,
        BATON_ALERT_WEBHOOK_URL: `${sink.base}/hook`,
      },
    })
    const addr = h.runtime.server!.address()
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    await eventually(() => h.runtime.watchdog!.online && h.runtime.session!.ready, { timeoutMs: 30_000 })
  }, 90_000)

  afterAll(async () => {
    await h?.close()
    await server?.stop().catch(() => undefined)
    await tenant?.puppet.stop().catch(() => undefined)
    await sink?.close()
  })

  it('is online and ready while the gateway answers', async () => {
    const r = await readyz()
    expect(r.body).toMatchObject({ status: 'ready' })
    expect(r.status).toBe(200)
    expect(r.body.checks['wecom']).toMatchObject({ ok: true, connection: 'online' })
  })

  it('notices the gateway going away, says so on /readyz and /metrics, and alerts through both webhooks once', async () => {
    await server!.stop()
    server = null
    await eventually(() => !h.runtime.watchdog!.online, { timeoutMs: 20_000 })
    const r = await readyz()
    expect(r.status).toBe(503)
    expect(r.body.checks['wecom']!['ok']).toBe(false)
    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toMatch(/baton_wecom_connection\{status="online"\} 0/)
    await eventually(() => sink.robot.length >= 1 && sink.hook.length >= 1, { timeoutMs: 20_000 })
    expect(sink.robot[0]!.key).toBe('robot-key-1')
    expect(sink.robot[0]!.body.msgtype).toBe('markdown')
    expect(sink.robot[0]!.body.markdown.content).toContain('【测试机器人】企业微信连接中断')
    expect(sink.hook[0]).toMatchObject({ event: 'offline' })
    // the watchdog keeps trying, with backoff
    await eventually(() => h.runtime.watchdog!.state.resets >= 2, { timeoutMs: 20_000 })
    expect(sink.robot).toHaveLength(1)
  }, 60_000)

  it('reconnects by itself when the gateway is back, announces the recovery, and records messages again', async () => {
    await startGateway()
    await eventually(() => h.runtime.watchdog!.online, { timeoutMs: 45_000 })
    await eventually(() => sink.robot.length === 2 && sink.hook.length === 2, { timeoutMs: 20_000 })
    expect(sink.robot[1]!.body.markdown.content).toContain('企业微信连接已恢复')
    expect(sink.hook[1]).toMatchObject({ event: 'recovered' })
    tenant.say({ as: '赵女士', group: 'cust-zhao', text: '【恢复后】消息能收到吗' })
    await eventually(async () => ((await h.runtime.ds.query(`SELECT count(*)::int AS n FROM messages WHERE text = '【恢复后】消息能收到吗'`)) as Array<{ n: number }>)[0]!.n === 1, { timeoutMs: 20_000 })
    expect((await readyz()).status).toBe(200)
  }, 90_000)
})

describe('a wrong puppet token is reported as a token problem', () => {
  it('shows token_invalid on /readyz and alerts at once, without a reset loop', async () => {
    const sink = await startAlertSink()
    const tenant = new SandboxTenant(loadTenant('config/sandbox.yaml'))
    await tenant.puppet.start()
    const endpoint = `127.0.0.1:${await freePort()}`
    const server = new PuppetServer({ endpoint, puppet: tenant.puppet, token: `insecure_${randomUUID()}` })
    await server.start()
    const wrongToken = `insecure_${randomUUID()}`
    const h = await startSandbox({
      roles: ['bot', 'api'],
      env: {
        WECHATY_PUPPET: 'wechaty-puppet-service',
        WECHATY_PUPPET_SERVICE_TOKEN: wrongToken,
        WECHATY_PUPPET_SERVICE_ENDPOINT: endpoint,
        BATON_WATCHDOG_CHECK_MS: '200',
        BATON_ALERT_WEBHOOK_URL: `${sink.base}/hook`,
      },
    })
    try {
      await eventually(() => h.runtime.watchdog!.state.status === 'token_invalid', { timeoutMs: 30_000 })
      const addr = h.runtime.server!.address()
      const res = await fetch(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/readyz`)
      expect(res.status).toBe(503)
      const body = (await res.json()) as { checks: { wecom: { error: string; connection: string } } }
      expect(body.checks.wecom.connection).toBe('token_invalid')
      expect(body.checks.wecom.error).toMatch(/token/i)
      // the gateway echoes the refused token; it must not reach /readyz, the state or alerts
      expect(JSON.stringify(body)).not.toContain(wrongToken)
      expect(h.runtime.watchdog!.state.lastError ?? '').not.toContain(wrongToken)
      await eventually(() => sink.hook.length === 1, { timeoutMs: 10_000 })
      expect(sink.hook[0]).toMatchObject({ event: 'token_invalid' })
      expect(sink.hook[0]!.text).toContain('Token 无效或已过期')
      expect(JSON.stringify(sink.hook)).not.toContain(wrongToken)
    } finally {
      await h.close()
      await server.stop()
      await tenant.puppet.stop()
      await sink.close()
    }
  }, 90_000)
})

describe('Baton started while the gateway is down', () => {
  it('starts anyway, reports the session down, and connects once the gateway appears', async () => {
    const tenantConfig = loadTenant('config/sandbox.yaml')
    const tenant = new SandboxTenant(tenantConfig)
    await tenant.puppet.start()
    tenant.populate()
    tenant.loginAgainOnStart()
    const endpoint = `127.0.0.1:${await freePort()}`
    const token = `insecure_${randomUUID()}`
    const h = await startSandbox({
      roles: ['bot', 'api'],
      tenant: tenantConfig,
      env: {
        WECHATY_PUPPET: 'wechaty-puppet-service',
        WECHATY_PUPPET_SERVICE_TOKEN: token,
        WECHATY_PUPPET_SERVICE_ENDPOINT: endpoint,
        BATON_WATCHDOG_CHECK_MS: '200',
        BATON_RESET_BACKOFF_MS: '300',
        BATON_RESET_BACKOFF_MAX_MS: '2000',
      },
    })
    let server: PuppetServer | null = null
    try {
      expect(h.runtime.watchdog!.online).toBe(false)
      server = new PuppetServer({ endpoint, puppet: tenant.puppet, token })
      await server.start()
      await eventually(() => h.runtime.watchdog!.online && h.runtime.session!.ready, { timeoutMs: 45_000 })
      tenant.say({ as: '赵女士', group: 'cust-zhao', text: '【晚到的网关】你好' })
      await eventually(async () => ((await h.runtime.ds.query(`SELECT count(*)::int AS n FROM messages WHERE text = '【晚到的网关】你好'`)) as Array<{ n: number }>)[0]!.n === 1, { timeoutMs: 20_000 })
    } finally {
      await h.close()
      await server?.stop().catch(() => undefined)
      await tenant.puppet.stop().catch(() => undefined)
    }
  }, 120_000)
})
