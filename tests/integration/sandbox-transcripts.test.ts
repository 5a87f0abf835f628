import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { ALL_ROLES, startBaton, type Runtime } from '../../src/main/runtime.js'
import { sayAndSettle, sendsSettled } from '../support/groups.js'
import type { SandboxHarness } from '../support/sandbox-runtime.js'
import { dropSchema, eventually, testEnv, testLogger } from '../support/test-env.js'

interface Line {
  talkerName: string
  toName: string | null
  text: string
  bot: boolean
}

describe('sandbox panes: plausible speakers, a direct-message pane, transcripts from PostgreSQL that survive a restart', () => {
  const env = testEnv()
  const tenant = loadTenant('config/sandbox.yaml')
  let runtime: Runtime
  const harness = (): SandboxHarness => ({ runtime, env, tenant, close: async () => undefined })
  const base = () => {
    const addr = runtime.server!.address()
    return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  }
  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${base()}${path}`)).json()) as T

  beforeAll(async () => {
    runtime = await startBaton({ env, tenant, roles: ALL_ROLES, log: testLogger() })
  }, 60_000)
  afterAll(async () => {
    await runtime?.stop()
    await dropSchema(env.DATABASE_SCHEMA)
  })

  it('each group starts with someone who plausibly speaks there; direct messages start with a handler', async () => {
    const { groups, direct } = await get<{ groups: { key: string; defaultSpeaker: string }[]; direct: { defaultSpeaker: string } }>('/sandbox/groups')
    expect(Object.fromEntries(groups.map((g) => [g.key, g.defaultSpeaker]))).toEqual({
      'cust-zhang': 'wx-zhang',
      'cust-zhao': 'wx-zhao',
      members: 'wx-zhang',
      'partner-anxin': 'wx-partner-li',
      internal: 'wx-handler-wang',
    })
    expect(direct.defaultSpeaker).toBe('wx-handler-wang')
  })

  it('shows a group and the direct messages with the bot from the database, still there after a restart', async () => {
    await sayAndSettle(harness(), { as: 'wx-partner-li', group: 'partner-anxin', text: 'DD20261101001 麻烦让客户上传一下空调安装位置的照片' })
    await sayAndSettle(harness(), { as: 'wx-handler-wang', text: '/help approve' })
    await sendsSettled(harness())
    await runtime.stop()
    // a new process on the same database: the simulator's memory is empty, the panes are not
    runtime = await startBaton({ env, tenant, roles: ALL_ROLES, log: testLogger() })
    const partner = await get<{ lines: Line[] }>('/sandbox/transcript/partner-anxin')
    expect(partner.lines[0]).toMatchObject({ talkerName: '李师傅', toName: null, text: 'DD20261101001 麻烦让客户上传一下空调安装位置的照片', bot: false })
    const internal = await get<{ lines: Line[] }>('/sandbox/transcript/internal')
    expect(internal.lines.some((l) => l.bot && l.text.includes('草稿#1'))).toBe(true)
    await eventually(async () => (await get<{ lines: Line[] }>('/sandbox/direct')).lines.length >= 2)
    const dm = (await get<{ lines: Line[] }>('/sandbox/direct')).lines
    expect(dm[0]).toMatchObject({ talkerName: '王小美', toName: 'Baton助手', text: '/help approve', bot: false })
    expect(dm[1]).toMatchObject({ talkerName: 'Baton助手', toName: '王小美', bot: true })
    expect(dm[1]!.text).toContain('/approve <草稿号>')
    expect((await fetch(`${base()}/sandbox/transcript/nope`)).status).toBe(404)
  })
})
