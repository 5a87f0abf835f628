import { randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import { PuppetServer } from 'wechaty-puppet-service'
import type { Tenant } from '../../src/config/load-tenant.js'
import { SandboxTenant } from '../../src/adapters/wecom/sandbox-tenant.js'

/**
 * A local wechaty-puppet-service gateway backed by wechaty-puppet-mock: the production gRPC
 * path (TLS on, `insecure_` token) with a simulated tenant behind it.
 */
export interface MockGateway {
  tenant: SandboxTenant
  token: string
  endpoint: string
  /** Environment variables that point Baton at this gateway. */
  env: Record<string, string>
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
    srv.once('error', reject)
  })
}

/** A gateway for one of the tenant's accounts (default the first): only that account's groups exist behind it. */
export async function startMockGateway(tenantConfig: Tenant, accountKey?: string): Promise<MockGateway> {
  const tenant = new SandboxTenant(tenantConfig, accountKey)
  await tenant.puppet.start()
  tenant.populate()
  tenant.loginAgainOnStart()
  const token = `insecure_${randomUUID()}`
  const endpoint = `127.0.0.1:${await freePort()}`
  const server = new PuppetServer({ endpoint, puppet: tenant.puppet, token })
  await server.start()
  return {
    tenant,
    token,
    endpoint,
    env: { WECHATY_PUPPET: 'wechaty-puppet-service', WECHATY_PUPPET_SERVICE_TOKEN: token, WECHATY_PUPPET_SERVICE_ENDPOINT: endpoint },
    stop: async () => {
      await server.stop()
      await tenant.puppet.stop()
    },
  }
}
