import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { botSaid } from '../support/groups.js'
import { eventually } from '../support/test-env.js'

interface Line {
  level: number
  msg: string
  messageId?: string
  roomId?: string | null
}

/**
 * A message event whose payload does not load is retried with backoff; one that never loads is
 * logged, counted in baton_inbound_unloaded_total and reported to the internal group once, with
 * its id and group. Driven through the sandbox's wechaty-puppet-mock, whose payload loads are
 * made to fail for marked messages.
 */
describe('message events whose payload does not load', () => {
  let h: SandboxHarness
  const lines: Line[] = []
  /** raw payload loads per message id, and the ids of marked messages */
  const loads = new Map<string, number>()
  const ids: Record<string, string[]> = { flaky: [], never: [], talkerless: [] }

  beforeAll(async () => {
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Line) })
    h = await startSandbox({ log, env: { BATON_PAYLOAD_ATTEMPTS: '4', BATON_PAYLOAD_RETRY_MS: '50', BATON_PAYLOAD_RETRY_MAX_MS: '200' } })
    type RawLoad = (id: string) => Promise<Record<string, unknown>>
    const puppet = h.runtime.sandbox!.puppet as unknown as { messageRawPayload: RawLoad }
    const original = puppet.messageRawPayload.bind(puppet)
    puppet.messageRawPayload = async (id: string) => {
      const raw = await original(id)
      const n = (loads.get(id) ?? 0) + 1
      loads.set(id, n)
      const text = typeof raw['text'] === 'string' ? raw['text'] : ''
      const mark = (kind: string) => void (ids[kind]!.includes(id) || ids[kind]!.push(id))
      if (text.includes('【加载重试】')) {
        mark('flaky')
        if (n <= 2) throw new Error('4 DEADLINE_EXCEEDED: payload not ready')
      }
      if (text.includes('【永不加载】')) {
        mark('never')
        throw new Error('2 UNKNOWN: message not found')
      }
      if (text.includes('【无发言人】')) {
        mark('talkerless')
        return { ...raw, talkerId: undefined, fromId: undefined }
      }
      return raw
    }
  }, 60_000)
  afterAll(async () => {
    await h?.close()
  })

  const port = () => {
    const addr = h.runtime.server!.address()
    return typeof addr === 'object' && addr ? addr.port : 0
  }
  const unloadedTotal = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${port()}/metrics`)).text()
    const m = /^baton_inbound_unloaded_total (\d+)/m.exec(text)
    return m ? Number(m[1]) : NaN
  }

  it('a payload that loads on the third try is recorded and decided once, and the retries are logged', async () => {
    h.runtime.sandbox!.say({ as: '赵女士', group: 'cust-zhao', text: '【加载重试】请问我的售后进度怎么样了' })
    const rows = await eventually(
      async () => {
        const r: Array<{ wecom_id: string; handled: boolean }> = await h.runtime.ds.query(`SELECT wecom_id, handled_at IS NOT NULL AS handled FROM messages WHERE text LIKE '【加载重试】%'`)
        return r.length === 1 && r[0]!.handled ? r : null
      },
      { timeoutMs: 10_000 },
    )
    expect(rows[0]!.wecom_id).toBe(ids['flaky']![0])
    expect(loads.get(ids['flaky']![0]!)).toBe(3)
    const retries = lines.filter((l) => l.messageId === ids['flaky']![0] && l.msg.startsWith('message payload not loaded'))
    expect(retries.map((l) => l.msg)).toEqual(['message payload not loaded (attempt 1); retrying in 50 ms', 'message payload not loaded (attempt 2); retrying in 100 ms'])
    expect(await unloadedTotal()).toBe(0)
  })

  it('a payload that never loads is given up after its attempts: logged, counted, and the internal group told once with its id', async () => {
    h.runtime.sandbox!.say({ as: '赵女士', group: 'cust-zhao', text: '【永不加载】师傅什么时候上门' })
    const id = await eventually(() => ids['never']![0])
    const notice = await eventually(() => botSaid(h, 'internal').find((t) => t.includes(id)), { timeoutMs: 10_000 })
    expect(notice).toContain('未能读取')
    expect(notice).toContain('未知') // nothing loaded: the group cannot be known
    expect(loads.get(id)).toBe(4)
    expect(lines.some((l) => l.level >= 50 && l.messageId === id && l.msg.includes('could not be loaded after 4 attempt(s)'))).toBe(true)
    expect(await unloadedTotal()).toBe(1)
    const stored: Array<{ n: number }> = await h.runtime.ds.query(`SELECT count(*)::int AS n FROM messages WHERE text LIKE '【永不加载】%'`)
    expect(stored[0]!.n).toBe(0)

    // the puppet delivers the same event again (a reconnect's replay): tried again, told once
    h.runtime.sandbox!.puppet.emit('message', { messageId: id })
    await eventually(() => loads.get(id) === 8, { timeoutMs: 5_000 })
    await new Promise((r) => setTimeout(r, 500))
    expect(botSaid(h, 'internal').filter((t) => t.includes(id))).toHaveLength(1)
    expect(await unloadedTotal()).toBe(1)
  })

  it('a payload without a talker is reported naming its group', async () => {
    h.runtime.sandbox!.say({ as: '赵女士', group: 'cust-zhao', text: '【无发言人】地址改一下' })
    const id = await eventually(() => ids['talkerless']![0])
    const notice = await eventually(() => botSaid(h, 'internal').find((t) => t.includes(id)), { timeoutMs: 10_000 })
    expect(notice).toContain('赵女士·售后服务群')
    expect(await unloadedTotal()).toBe(2)
  })

  it('a talkerless payload from a group Baton does not watch is counted and logged, not reported', async () => {
    const sandbox = h.runtime.sandbox!
    const room = sandbox.mocker.createRoom({ id: 'r-elsewhere@chatroom', topic: '别处的群', memberIdList: ['wx-baton', 'wx-zhao'] })
    sandbox.mocker.ContactMock.load('wx-zhao').say('【无发言人】别处的消息').to(room)
    const id = await eventually(() => ids['talkerless']![1])
    await eventually(() => lines.some((l) => l.messageId === id && l.msg.includes('unwatched group; not reported')), { timeoutMs: 5_000 })
    expect(await unloadedTotal()).toBe(3)
    expect(botSaid(h, 'internal').filter((t) => t.includes(id))).toEqual([])
  })

  it('messages around them are not held up or lost', async () => {
    h.runtime.sandbox!.say({ as: '赵女士', group: 'cust-zhao', text: '【之后】好的谢谢' })
    await eventually(async () => ((await h.runtime.ds.query(`SELECT count(*)::int AS n FROM messages WHERE text LIKE '【之后】%'`)) as Array<{ n: number }>)[0]!.n === 1, { timeoutMs: 5_000 })
  })
})
