import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parse, stringify } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadEnv } from '../../src/config/env.js'
import { ConfigError } from '../../src/config/format-issues.js'
import { loadTenant } from '../../src/config/load-tenant.js'
import { ALL_ROLES, startBaton } from '../../src/main/runtime.js'
import { dropSchema, TEST_DATABASE_URL, TEST_REDIS_URL, testLogger, uniqueName } from '../support/test-env.js'

const CLI = resolve('src/main/cli.ts')

/**
 * Runs `cli.ts all` as `npm start` would, with only the given variables; stops it (SIGTERM) once
 * its output shows `until`, kills it after 30 s.
 */
function runCli(vars: Record<string, string>, until?: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'all'], {
      // a Baton that was not refused must not touch anything real: test database, own schema, any port
      env: {
        PATH: process.env['PATH'] ?? '',
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: uniqueName('t'),
        REDIS_URL: TEST_REDIS_URL,
        BATON_QUEUE_PREFIX: uniqueName('bq'),
        PORT: '0',
        LOG_LEVEL: 'info',
        ...vars,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString()
      if (until && stdout.includes(until)) child.kill('SIGTERM')
    })
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('exit', (code) => {
      clearTimeout(killer)
      done({ code, stderr, stdout })
    })
  })
}

describe('the sandbox does not start where something says this is a real deployment', () => {
  let dir: string
  let realTenant: string

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-refusal-'))
    // a valid tenant file that is not the sandbox's (its paths made absolute so it loads from here)
    const tenant = parse(readFileSync('config/sandbox.yaml', 'utf8')) as Record<string, unknown>
    tenant['paths'] = { lexicon: resolve('config/lexicon.yaml'), knowledge: resolve('config/knowledge'), wording: resolve('config/wording'), understanding: resolve('config/understanding') }
    realTenant = join(dir, 'my-tenant.yaml')
    writeFileSync(realTenant, stringify(tenant))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const setups = (): Array<[string, Record<string, string>, string]> => [
    ['the Dockerfile environment', { NODE_ENV: 'production', HOST: '0.0.0.0' }, 'NODE_ENV=production; HOST=0.0.0.0 is not a loopback address'],
    ['a puppet endpoint', { WECHATY_PUPPET_SERVICE_ENDPOINT: '10.0.0.5:8788' }, 'WECHATY_PUPPET_SERVICE_ENDPOINT is set'],
    ['a real tenant file on every interface', { BATON_CONFIG: realTenant, HOST: '0.0.0.0' }, `BATON_CONFIG=${realTenant} is not the sandbox's tenant file`],
  ]

  it('npm start exits 1 with one line naming the reason, before connecting to anything', async () => {
    const runs = await Promise.all(setups().map(async ([what, vars, reason]) => ({ what, reason, ...(await runCli(vars)) })))
    for (const r of runs) {
      expect(r.code, `${r.what}: ${r.stderr}${r.stdout}`).toBe(1)
      const lines = r.stderr.trim().split('\n')
      expect(lines, r.what).toHaveLength(1)
      expect(lines[0], r.what).toMatch(/^refusing to start the sandbox \(the simulated WeCom tenant\): /)
      expect(lines[0], r.what).toContain(r.reason)
      expect(r.stdout, r.what).not.toContain('Baton sandbox is running')
    }
  }, 90_000)

  it('npm start with nothing set still runs the sandbox (the README quickstart)', async () => {
    const schema = uniqueName('t')
    const r = await runCli({ DATABASE_SCHEMA: schema, BATON_DATA_DIR: join(dir, 'var') }, 'Baton sandbox is running')
    await dropSchema(schema)
    expect(r.stderr).not.toContain('refusing')
    expect(r.stdout).toContain('Baton sandbox is running')
    expect(r.code).toBe(0)
  }, 60_000)

  it('startBaton refuses each production-like setup before it opens a connection', async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    const all = [...setups(), ['HOST on a LAN address', { HOST: '192.168.1.20' }, 'HOST=192.168.1.20 is not a loopback address'] as [string, Record<string, string>, string]]
    for (const [what, vars, reason] of all) {
      // nothing listens on port 1: had it tried to connect, the error would be a connection error
      const env = loadEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1', ...vars })
      const err = await startBaton({ env, tenant, roles: ALL_ROLES, log: testLogger() }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err, what).toBeInstanceOf(ConfigError)
      expect((err as ConfigError).problems[0], what).toContain(reason)
    }
  })
})
