import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { eventually } from '../support/test-env.js'

interface Row {
  wecom_id: string
  group_key: string | null
  talker_role: string
  type: string
  text: string
  direction: string
  attachment: { name?: string; mediaType?: string; size?: number } | null
}

describe('recording messages of watched groups', () => {
  let h: SandboxHarness
  const rows = (where: string, params: unknown[] = []): Promise<Row[]> => h.runtime.ds.query(`SELECT * FROM messages WHERE ${where} ORDER BY id`, params)

  beforeAll(async () => {
    h = await startSandbox({ roles: ['bot'] })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('stores a message said in a mock room exactly once, even when the puppet emits it twice', async () => {
    h.runtime.sandbox!.say({ as: 'wx-partner-li', group: 'partner-anxin', text: '麻烦通知客户明天上午在家等安装' })
    const [row] = await eventually(async () => {
      const r = await rows(`text = $1`, ['麻烦通知客户明天上午在家等安装'])
      return r.length === 1 ? r : null
    })
    expect(row).toMatchObject({ group_key: 'partner-anxin', talker_role: 'partner', type: 'text', direction: 'inbound' })

    // puppet-service replays events after a reconnect: the same message id arrives again
    h.runtime.sandbox!.puppet.emit('message', { messageId: row!.wecom_id })
    h.runtime.sandbox!.puppet.emit('message', { messageId: row!.wecom_id })
    await h.runtime.session!.drain()
    await new Promise((r) => setTimeout(r, 200))
    await h.runtime.session!.drain()
    expect(await rows(`wecom_id = $1`, [row!.wecom_id])).toHaveLength(1)
  })

  it('keeps an image message with its type and attachment metadata', async () => {
    h.runtime.sandbox!.say({ as: 'wx-zhang', group: 'cust-zhang', image: 'install-site.png' })
    const [row] = await eventually(async () => {
      const r = await rows(`type = 'image' AND group_key = 'cust-zhang'`)
      return r.length === 1 ? r : null
    })
    expect(row!.talker_role).toBe('customer_contact')
    expect(row!.attachment).toMatchObject({ name: 'install-site.png', mediaType: 'image/png' })
    expect(row!.attachment!.size).toBeGreaterThan(0)
  })

  it('does not store messages from a group the tenant does not declare', async () => {
    const { mocker } = h.runtime.sandbox!
    const stranger = mocker.createContact({ id: 'wx-stranger', name: '路人' })
    const room = mocker.createRoom({ id: 'r-unknown@chatroom', topic: '无关的群', memberIdList: ['wx-baton', stranger.id] })
    stranger.say('这条消息不该被记录').to(room)
    // a marker in a watched group proves the event pipeline moved past the ignored message
    h.runtime.sandbox!.say({ as: 'wx-zhao', group: 'cust-zhao', text: 'marker-after-unknown' })
    await eventually(async () => (await rows(`text = 'marker-after-unknown'`)).length === 1)
    await h.runtime.session!.drain()
    expect(await rows(`text = '这条消息不该被记录'`)).toHaveLength(0)
  })

  it("stores the bot's own messages as outbound", async () => {
    await h.runtime.session!.sayText('r-internal@chatroom', '机器人自己的消息')
    const [row] = await eventually(async () => {
      const r = await rows(`text = '机器人自己的消息'`)
      return r.length === 1 ? r : null
    })
    expect(row).toMatchObject({ direction: 'outbound', talker_role: 'bot', group_key: 'internal' })
  })

  it("stores direct messages to the bot with the talker's role", async () => {
    h.runtime.sandbox!.say({ as: 'wx-handler-wang', text: '私聊测试' })
    const [row] = await eventually(async () => {
      const r = await rows(`text = '私聊测试'`)
      return r.length === 1 ? r : null
    })
    expect(row).toMatchObject({ group_key: null, talker_role: 'handler', direction: 'inbound' })
  })
})
