import { describe, expect, it } from 'vitest'
import { loadEnv } from '../../src/config/env.js'
import { ConfigError } from '../../src/config/format-issues.js'
import { assertSandboxAllowed, isLoopbackHost, sandboxRefusals, sandboxWarnings } from '../../src/config/sandbox-guard.js'

const TOKEN = 'puppet_workpro_0123456789abcdef'

describe('which WeCom tenant the environment selects', () => {
  it('nothing set: the sandbox (npm start on a dev machine), migrating by itself', () => {
    const env = loadEnv({})
    expect(env).toMatchObject({ sandbox: true, migrate: 'auto' })
    expect(env.WECHATY_PUPPET).toBeUndefined()
    expect(sandboxRefusals(env)).toEqual([])
    expect(() => assertSandboxAllowed(env, ['bot', 'worker', 'api'])).not.toThrow()
  })

  it('a puppet service token alone selects wechaty-puppet-service, never the mock tenant', () => {
    const env = loadEnv({ WECHATY_PUPPET_SERVICE_TOKEN: TOKEN })
    expect(env).toMatchObject({ sandbox: false, WECHATY_PUPPET: 'wechaty-puppet-service', migrate: 'off' })
    expect(sandboxRefusals(env)).toEqual([])
  })

  it('an empty token (an unset compose variable) is no token', () => {
    expect(loadEnv({ WECHATY_PUPPET: '', WECHATY_PUPPET_SERVICE_TOKEN: '', WECHATY_PUPPET_SERVICE_ENDPOINT: '' })).toMatchObject({ sandbox: true })
    expect(sandboxRefusals(loadEnv({ WECHATY_PUPPET_SERVICE_TOKEN: '', WECHATY_PUPPET_SERVICE_ENDPOINT: '' }))).toEqual([])
  })

  it('an explicit WECHATY_PUPPET wins over the token', () => {
    expect(loadEnv({ WECHATY_PUPPET: 'wechaty-puppet-service', WECHATY_PUPPET_SERVICE_TOKEN: TOKEN })).toMatchObject({ sandbox: false, WECHATY_PUPPET: 'wechaty-puppet-service' })
    expect(loadEnv({ WECHATY_PUPPET: 'wechaty-puppet-mock' })).toMatchObject({ sandbox: true })
  })
})

describe('the sandbox refuses production-like setups', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['NODE_ENV=production', { NODE_ENV: 'production' }, /NODE_ENV=production/],
    ['a puppet endpoint', { WECHATY_PUPPET_SERVICE_ENDPOINT: '10.0.0.5:8788' }, /WECHATY_PUPPET_SERVICE_ENDPOINT is set/],
    ['a puppet token with the mock puppet named', { WECHATY_PUPPET: 'wechaty-puppet-mock', WECHATY_PUPPET_SERVICE_TOKEN: TOKEN }, /WECHATY_PUPPET_SERVICE_TOKEN is set/],
    ['HOST=0.0.0.0', { HOST: '0.0.0.0' }, /HOST=0\.0\.0\.0 is not a loopback address/],
    ['HOST=::', { HOST: '::' }, /HOST=:: is not a loopback address/],
    ['a LAN address', { HOST: '192.168.1.20' }, /HOST=192\.168\.1\.20/],
    [
      'a real tenant file in production',
      { BATON_CONFIG: 'config/my-tenant.yaml', NODE_ENV: 'production' },
      /BATON_CONFIG=config\/my-tenant\.yaml is not the sandbox's tenant file \(config\/sandbox\.yaml\); NODE_ENV=production/,
    ],
  ]
  for (const [what, vars, line] of cases) {
    it(`refuses ${what} with one line naming it`, () => {
      const env = loadEnv(vars)
      expect(env.sandbox).toBe(true)
      let err: unknown
      try {
        assertSandboxAllowed(env, ['bot', 'worker', 'api'])
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(ConfigError)
      const problems = (err as ConfigError).problems
      expect(problems).toHaveLength(1)
      expect(problems[0]).toMatch(/^refusing to start the sandbox/)
      expect(problems[0]).toMatch(line)
      // a secret never reaches the line
      expect(problems[0]).not.toContain(TOKEN)
    })
  }

  it('names every reason at once (the Dockerfile environment)', () => {
    expect(sandboxRefusals(loadEnv({ NODE_ENV: 'production', HOST: '0.0.0.0' }))).toEqual(['NODE_ENV=production', 'HOST=0.0.0.0 is not a loopback address'])
  })

  it('BATON_SANDBOX=1 lets a container run it (production image, HOST=0.0.0.0) but never with a puppet or a real tenant', () => {
    expect(sandboxRefusals(loadEnv({ NODE_ENV: 'production', HOST: '0.0.0.0', BATON_SANDBOX: '1' }))).toEqual([])
    expect(sandboxRefusals(loadEnv({ BATON_SANDBOX: '1', WECHATY_PUPPET_SERVICE_ENDPOINT: '10.0.0.5:8788' }))).toEqual(['WECHATY_PUPPET_SERVICE_ENDPOINT is set'])
    expect(sandboxRefusals(loadEnv({ BATON_SANDBOX: '1', BATON_CONFIG: 'config/my-tenant.yaml' }))).toHaveLength(1)
    expect(sandboxRefusals(loadEnv({ BATON_SANDBOX: '1', NODE_ENV: 'production', BATON_CONFIG: 'config/my-tenant.yaml' }))).toHaveLength(2)
  })

  it("a tenant file of one's own is simulated on this machine only, and said out loud", () => {
    const own = loadEnv({ BATON_CONFIG: 'config/my-tenant.yaml' })
    expect(sandboxRefusals(own)).toEqual([])
    expect(sandboxWarnings(own)).toEqual([expect.stringMatching(/^simulating WeCom \(wechaty-puppet-mock\) for the tenant file config\/my-tenant\.yaml: .*on this machine only/)])
    expect(sandboxWarnings(loadEnv({}))).toEqual([])
    expect(sandboxRefusals(loadEnv({ BATON_CONFIG: 'config/my-tenant.yaml', HOST: '0.0.0.0' }))).toHaveLength(2)
  })

  it('the hint offers BATON_SANDBOX=1 only where it would help', () => {
    const hint = (vars: Record<string, string>) => {
      try {
        assertSandboxAllowed(loadEnv(vars), ['api'])
        return ''
      } catch (e) {
        return (e as ConfigError).problems[0]!
      }
    }
    expect(hint({ NODE_ENV: 'production' })).toContain('BATON_SANDBOX=1')
    expect(hint({ WECHATY_PUPPET_SERVICE_ENDPOINT: 'x:1' })).not.toContain('BATON_SANDBOX=1')
  })

  it('a worker-only process exposes nothing of the sandbox and is not refused', () => {
    expect(() => assertSandboxAllowed(loadEnv({ NODE_ENV: 'production' }), ['worker'])).not.toThrow()
    expect(() => assertSandboxAllowed(loadEnv({ NODE_ENV: 'production' }), ['bot'])).toThrow(/NODE_ENV=production/)
  })

  it('the sandbox tenant file is the same file however BATON_CONFIG spells it', () => {
    expect(sandboxRefusals(loadEnv({ BATON_CONFIG: './config/../config/sandbox.yaml' }))).toEqual([])
    expect(sandboxRefusals(loadEnv({ BATON_CONFIG: `${process.cwd()}/config/sandbox.yaml` }))).toEqual([])
  })

  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) expect(isLoopbackHost(h), h).toBe(true)
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.0.2', 'example.org', '', '128.0.0.1', '::ffff:10.0.0.1']) expect(isLoopbackHost(h), h).toBe(false)
  })
})
