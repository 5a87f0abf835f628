import { WechatyBuilder, type Wechaty } from 'wechaty'
import type { PuppetInterface } from 'wechaty-puppet/impls'
import type { Env } from '../../config/env.js'

/**
 * Builds a Wechaty from Wechaty's standard variables. With no puppet configured the caller
 * passes the sandbox's in-process mock puppet instead. Never a singleton: tests build many.
 */
export function buildWechaty(env: Env, sandboxPuppet?: PuppetInterface): Wechaty {
  if (sandboxPuppet) return WechatyBuilder.build({ name: 'baton-sandbox', puppet: sandboxPuppet })
  if (!env.WECHATY_PUPPET) throw new Error('WECHATY_PUPPET is not set and no sandbox puppet was given')
  const puppetOptions: Record<string, string> = {}
  if (env.WECHATY_PUPPET_SERVICE_TOKEN) puppetOptions['token'] = env.WECHATY_PUPPET_SERVICE_TOKEN
  if (env.WECHATY_PUPPET_SERVICE_ENDPOINT) puppetOptions['endpoint'] = env.WECHATY_PUPPET_SERVICE_ENDPOINT
  return WechatyBuilder.build({
    name: 'baton',
    // Wechaty resolves the puppet module by name (e.g. wechaty-puppet-service).
    puppet: env.WECHATY_PUPPET as 'wechaty-puppet-service',
    puppetOptions,
  })
}
