import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InboundMessage } from '../../src/app/inbound-message.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { eventually } from '../support/test-env.js'

describe('events replayed after a reconnect are handled once', () => {
  let h: SandboxHarness
  const t0 = Date.parse('2026-11-26T09:00:00Z')
  const msg = (id: string, text: string, saidSec: number, receivedLateBySec: number): InboundMessage => ({
    wecomId: id,
    roomId: 'r-cust-zhao@chatroom',
    talkerId: 'wx-zhao',
    talkerName: '赵女士',
    self: false,
    type: 'text',
    text,
    mentionIds: [],
    attachment: null,
    saidAt: new Date(t0 + saidSec * 1000),
    receivedAt: new Date(t0 + (saidSec + receivedLateBySec) * 1000),
  })
  const stored = async (text: string): Promise<string[]> =>
    ((await h.runtime.ds.query(`SELECT wecom_id FROM messages WHERE text = $1 ORDER BY id`, [text])) as Array<{ wecom_id: string }>).map((r) => r.wecom_id)

  beforeAll(async () => {
    h = await startSandbox({ roles: ['bot'], env: { BATON_DUPLICATE_WINDOW_MS: '10000' } })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('the same message id twice is stored once', async () => {
    await h.runtime.intake!.handle(msg('id-same', '同一个id', 0, 0.2))
    await h.runtime.intake!.handle(msg('id-same', '同一个id', 0, 90))
    expect(await stored('同一个id')).toEqual(['id-same'])
  })

  it('a customer who says "好的" twice, live, is recorded twice', async () => {
    await h.runtime.intake!.handle(msg('ok-1', '好的', 10, 0.3))
    await h.runtime.intake!.handle(msg('ok-2', '好的', 12, 0.4))
    expect(await stored('好的')).toEqual(['ok-1', 'ok-2'])
  })

  it('a late copy with a re-issued id of a stored message is recognised and dropped', async () => {
    await h.runtime.intake!.handle(msg('orig-1', '师傅几点到？', 20, 0.2))
    // after a reconnect the puppet pushes it again, same said-at time, new id
    await h.runtime.intake!.handle(msg('reissued-1', '师傅几点到？', 20, 120))
    expect(await stored('师傅几点到？')).toEqual(['orig-1'])
  })

  it('a late message nobody stored (missed while offline) is recorded', async () => {
    await h.runtime.intake!.handle(msg('missed-1', '离线期间发的消息', 30, 300))
    expect(await stored('离线期间发的消息')).toEqual(['missed-1'])
  })

  it('a late identical text said outside the window is a new message', async () => {
    await h.runtime.intake!.handle(msg('later-1', '收到', 40, 0.2))
    await h.runtime.intake!.handle(msg('later-2', '收到', 55, 200))
    expect(await stored('收到')).toEqual(['later-1', 'later-2'])
  })

  it('the same text from someone else, or in another conversation, is not a twin', async () => {
    await h.runtime.intake!.handle(msg('who-1', '可以', 60, 0.2))
    await h.runtime.intake!.handle({ ...msg('who-2', '可以', 60, 100), talkerId: 'wx-zhang', talkerName: '张先生', roomId: 'r-cust-zhang@chatroom' })
    await h.runtime.intake!.handle({ ...msg('who-3', '可以', 60, 100), roomId: null })
    expect(await stored('可以')).toEqual(['who-1', 'who-2', 'who-3'])
  })
})

describe('a message that waits inside Baton for its payload is not a late arrival', () => {
  let h: SandboxHarness

  beforeAll(async () => {
    h = await startSandbox({ roles: ['bot'], env: { BATON_DUPLICATE_WINDOW_MS: '300' } })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('a customer who says "好的" twice during a slow burst is recorded twice', async () => {
    // a burst: every payload comes back later than the replay window (here 300 ms)
    const puppet = h.runtime.sandbox!.puppet as unknown as { messageRawPayload(id: string): Promise<unknown> }
    const load = puppet.messageRawPayload.bind(puppet)
    puppet.messageRawPayload = async (id) => {
      await new Promise((r) => setTimeout(r, 800))
      return load(id)
    }
    h.runtime.sandbox!.say({ as: 'wx-zhao', group: 'cust-zhao', text: '好的，收到了' })
    h.runtime.sandbox!.say({ as: 'wx-zhao', group: 'cust-zhao', text: '好的，收到了' })
    // both events reached Baton at once, live: both are the customer's, neither is a replay
    const rows = await eventually(async () => {
      const r = (await h.runtime.ds.query(`SELECT wecom_id FROM messages WHERE text = $1 AND handled_at IS NOT NULL`, ['好的，收到了'])) as unknown[]
      return r.length >= 2 ? r : null
    })
    await h.runtime.session!.drain()
    expect(rows).toHaveLength(2)
  })
})
