import { loadTenant, type Tenant } from '../../src/config/load-tenant.js'
import type { Env } from '../../src/config/env.js'
import type { SandboxPuppetFactory } from '../../src/adapters/wecom/sandbox-tenant.js'
import type { Logger } from '../../src/app/ports.js'
import { ALL_ROLES, startBaton, type Role, type Runtime } from '../../src/main/runtime.js'
import { dropSchema, testEnv, testLogger } from './test-env.js'

export interface SandboxHarness {
  runtime: Runtime
  env: Env
  tenant: Tenant
  close(): Promise<void>
}

/** Starts Baton in process on the sandbox tenant, in a fresh schema and queue prefix. */
export async function startSandbox(opts: { roles?: readonly Role[]; env?: Record<string, string>; tenant?: Tenant; log?: Logger; sandboxPuppet?: SandboxPuppetFactory } = {}): Promise<SandboxHarness> {
  const env = testEnv(opts.env)
  const tenant = opts.tenant ?? loadTenant('config/sandbox.yaml')
  const runtime = await startBaton({ env, tenant, roles: opts.roles ?? ALL_ROLES, log: opts.log ?? testLogger(), ...(opts.sandboxPuppet ? { sandboxPuppet: opts.sandboxPuppet } : {}) })
  return {
    runtime,
    env,
    tenant,
    close: async () => {
      await runtime.stop()
      await dropSchema(env.DATABASE_SCHEMA)
    },
  }
}
