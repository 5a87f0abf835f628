import { realpathSync } from 'node:fs'
import { isIP } from 'node:net'
import { resolve } from 'node:path'
import type { Env } from './env.js'
import { ConfigError } from './format-issues.js'

/** The tenant file the sandbox is built from (the repository's own, wherever Baton is started). */
export const SANDBOX_TENANT_FILE = resolve(import.meta.dirname, '../../config/sandbox.yaml')

/** 127.0.0.0/8, ::1, ::ffff:127.x.x.x and `localhost`: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
  if (h === 'localhost') return true
  if (isIP(h) === 4) return h.startsWith('127.')
  if (isIP(h) === 6) return h === '::1' || /^(0:){7}1$/.test(h) || /^::ffff:127\./.test(h)
  return false
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b)
  } catch {
    // a file that does not exist is not the sandbox's; the tenant loader names the missing file
    return resolve(a) === resolve(b)
  }
}

/**
 * Why the sandbox (a mock tenant where `/sandbox/say` speaks as anyone and `Bearer sandbox` is a
 * supervisor) must not run here; empty when it may. A puppet token or endpoint is never
 * overridden; `BATON_SANDBOX=1` accepts NODE_ENV=production and a non-loopback HOST for the
 * sandbox's own tenant, in a container whose port is published on the host's loopback only. A
 * tenant file of one's own runs on the simulator only on a loopback, non-production setup.
 */
export function sandboxRefusals(env: Env): string[] {
  if (!env.sandbox) return []
  const reasons: string[] = []
  if (env.WECHATY_PUPPET_SERVICE_TOKEN) reasons.push('WECHATY_PUPPET_SERVICE_TOKEN is set')
  if (env.WECHATY_PUPPET_SERVICE_ENDPOINT) reasons.push('WECHATY_PUPPET_SERVICE_ENDPOINT is set')
  const ownTenant = !sameFile(env.BATON_CONFIG, SANDBOX_TENANT_FILE)
  const exposed = env.NODE_ENV === 'production' || !isLoopbackHost(env.HOST)
  // BATON_SANDBOX=1 vouches for the sandbox's own tenant in a container, never for a real one
  if (ownTenant && (exposed || env.BATON_SANDBOX)) reasons.push(`BATON_CONFIG=${env.BATON_CONFIG} is not the sandbox's tenant file (config/sandbox.yaml)`)
  if (!env.BATON_SANDBOX || ownTenant) {
    if (env.NODE_ENV === 'production') reasons.push('NODE_ENV=production')
    if (!isLoopbackHost(env.HOST)) reasons.push(`HOST=${env.HOST} is not a loopback address`)
  }
  return reasons
}

/**
 * What start-up should say out loud although the sandbox may run: a tenant file of one's own on
 * the simulated WeCom, on this machine only, is how a team tries Baton on its own groups and
 * wording before connecting a real puppet (and how a labelled conversation of another tenant is
 * played). Anywhere exposed it is refused above.
 */
export function sandboxWarnings(env: Env): string[] {
  if (!env.sandbox || sameFile(env.BATON_CONFIG, SANDBOX_TENANT_FILE) || sandboxRefusals(env).length > 0) return []
  return [
    `simulating WeCom (wechaty-puppet-mock) for the tenant file ${env.BATON_CONFIG}: /sandbox/say speaks as anyone and the token "sandbox" is a supervisor, on this machine only; set WECHATY_PUPPET=wechaty-puppet-service and WECHATY_PUPPET_SERVICE_TOKEN to connect the real tenant`,
  ]
}

/**
 * Refuses, with one line, to start the sandbox where something says this is a real deployment.
 * Only the bot (the mock tenant, /sandbox routes) and api (`Bearer sandbox`) roles expose it.
 */
export function assertSandboxAllowed(env: Env, roles: readonly string[]): void {
  if (!roles.includes('bot') && !roles.includes('api')) return
  const reasons = sandboxRefusals(env)
  if (reasons.length === 0) return
  const overridable = reasons.every((r) => r.startsWith('NODE_ENV') || r.startsWith('HOST'))
  throw new ConfigError([
    `refusing to start the sandbox (the simulated WeCom tenant): ${reasons.join('; ')}. ` +
      'Set WECHATY_PUPPET=wechaty-puppet-service and WECHATY_PUPPET_SERVICE_TOKEN for a real tenant' +
      (overridable ? ', or BATON_SANDBOX=1 to run the sandbox anyway' : ''),
  ])
}
