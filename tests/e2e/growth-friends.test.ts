import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { FriendRequestPuppet } from '../support/friend-request-puppet.js'
import { sendsSettled } from '../support/groups.js'
import { eventually } from '../support/test-env.js'

describe('friend requests through the mock tenant: accepted only when policy says so', () => {
  let h: SandboxHarness
  let puppet: FriendRequestPuppet
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => h.runtime.ds.query(sql, params)

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.policy = { ...(tenant.policy as object), quietHours: { start: '00:00', end: '00:00' } } as typeof tenant.policy
    h = await startSandbox({
      tenant,
      sandboxPuppet: (mocker) => {
        puppet = new FriendRequestPuppet(mocker)
        return puppet
      },
    })
    // the sandbox's growth file says known_customers
    expect(h.runtime.growth!.cfg.friendRequests?.accept).toBe('known_customers')
  })
  afterAll(async () => {
    await h?.close()
  })

  it('accepts a customer the tenant file lists: friend_added event and the hello, once', async () => {
    const id = puppet.requestFriendship('wx-zhang', '我是张先生')
    await eventually(async () => (await q(`SELECT 1 FROM contact_events e JOIN contacts c ON c.id = e.contact_id WHERE c.wecom_id = 'wx-zhang' AND e.kind = 'friend_added'`)).length === 1)
    expect(puppet.accepted).toEqual([id])
    const [ev] = await q<{ detail: Record<string, string> }>(`SELECT detail FROM contact_events WHERE kind = 'friend_added'`)
    expect(ev!.detail).toEqual({ reason: 'listed_customer', requestId: id })
    await sendsSettled(h)
    const sends = await q<{ kind: string; contact_id: string; status: string; text: string }>(`SELECT kind, contact_id, status, text FROM sends WHERE contact_id = 'wx-zhang'`)
    expect(sends).toEqual([{ kind: 'welcome', contact_id: 'wx-zhang', status: 'sent', text: '张先生您好！已通过您的好友申请，有任何问题都可以直接私信我～' }])
  })

  it('ignores a stranger and staff under known_customers: nothing accepted, no contact', async () => {
    const stranger = h.runtime.sandbox!.contact({ name: '陌生人' })
    puppet.requestFriendship(stranger.id, '加个好友')
    puppet.requestFriendship('wx-handler-chen', '我是陈明')
    await h.runtime.session!.drain()
    await new Promise((r) => setTimeout(r, 200))
    await h.runtime.session!.drain()
    expect(puppet.accepted).toHaveLength(1)
    expect(await q(`SELECT 1 FROM contacts WHERE wecom_id IN ($1, 'wx-handler-chen')`, [stranger.id])).toEqual([])
    expect(await q(`SELECT 1 FROM contact_events WHERE kind = 'friend_added'`)).toHaveLength(1)
  })

  it('accepts a newcomer Baton already saw join a customer group', async () => {
    const id = h.runtime.sandbox!.join('members', { name: '小周' })
    await eventually(async () => (await q(`SELECT 1 FROM contacts WHERE wecom_id = $1`, [id])).length === 1)
    const req = puppet.requestFriendship(id, '群里的小周')
    await eventually(async () => puppet.accepted.includes(req))
    await eventually(async () => (await q(`SELECT 1 FROM contact_events e JOIN contacts c ON c.id = e.contact_id WHERE c.wecom_id = $1 AND e.kind = 'friend_added'`, [id])).length === 1)
  })
})
