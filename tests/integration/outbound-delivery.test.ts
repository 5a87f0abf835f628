import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { botSaid, sendsSettled } from '../support/groups.js'
import { eventually } from '../support/test-env.js'
import { createOutboundQueue, pacingKeyOf, redisConnection, sendJobId } from '../../src/adapters/queue/outbound-queue.js'

describe('the outbound queue on real Redis', () => {
  let h: SandboxHarness
  let original: (id: string, text: string) => Promise<void>
  const queueSend = async (group: string, text: string): Promise<number> => {
    const [row] = await h.runtime.ds.query(`INSERT INTO sends (kind, group_key, text, created_at) VALUES ('reply', $1, $2, now()) RETURNING id`, [group, text])
    return Number(row.id)
  }

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.outbound = { ...tenant.outbound, attempts: 3, backoffMs: 20 }
    h = await startSandbox({ tenant })
    const puppet = h.runtime.sandbox!.puppet
    original = puppet.messageSendText.bind(puppet)
  })
  afterAll(async () => {
    await h?.close()
  })

  it('a send that fails twice then succeeds is delivered once, with the attempts recorded', async () => {
    // only this test's message fails: the sandbox's own sends (a flow's staff task, a churn notice)
    // may go out meanwhile and must not use up the failures
    let calls = 0
    h.runtime.sandbox!.puppet.messageSendText = async (id: string, text: string) => {
      if (text === '第三次才成功的消息' && ++calls <= 2) throw new Error('puppet timeout')
      return original(id, text)
    }
    const id = await queueSend('cust-zhao', '第三次才成功的消息')
    await sendsSettled(h)
    expect(botSaid(h, 'cust-zhao').filter((t) => t === '第三次才成功的消息')).toHaveLength(1)
    const [row] = await h.runtime.ds.query(`SELECT status, attempts FROM sends WHERE id = $1`, [id])
    expect(row).toEqual({ status: 'sent', attempts: 3 })
    // the relay put the group's pacing key on the job (no read per send), and nothing that names the group
    const queue = createOutboundQueue(redisConnection(h.runtime.env.REDIS_URL), h.runtime.env.BATON_QUEUE_PREFIX, h.runtime.tenant.outbound)
    try {
      expect((await queue.getJob(sendJobId(id)))?.data).toEqual({ sendId: id, pacing: pacingKeyOf('cust-zhao') })
    } finally {
      await queue.close()
    }
  })

  it('a send that always fails ends failed and is reported once in the internal group', async () => {
    h.runtime.sandbox!.puppet.messageSendText = async (id: string, text: string) => {
      if (text === '永远发不出去的消息') throw new Error('account throttled')
      return original(id, text)
    }
    const id = await queueSend('cust-zhang', '永远发不出去的消息')
    await eventually(async () => (await h.runtime.ds.query(`SELECT status FROM sends WHERE id = $1`, [id]))[0].status === 'failed', { timeoutMs: 15_000 })
    h.runtime.sandbox!.puppet.messageSendText = original
    await sendsSettled(h)
    const reports = botSaid(h, 'internal').filter((t) => t.startsWith('⚠️ 发送失败'))
    expect(reports).toHaveLength(1)
    expect(reports[0]).toContain('张先生·空调安装服务群')
    expect(reports[0]).toContain('account throttled')
    expect(botSaid(h, 'cust-zhang')).not.toContain('永远发不出去的消息')
  })

  it('order is kept per group, and relaying the same rows again sends nothing twice', async () => {
    const ids: number[] = []
    for (let i = 0; i < 10; i++) ids.push(await queueSend('cust-zhao', `顺序消息 ${i}`))
    await sendsSettled(h)
    const lines = botSaid(h, 'cust-zhao').filter((t) => t.startsWith('顺序消息'))
    expect(lines).toEqual(Array.from({ length: 10 }, (_, i) => `顺序消息 ${i}`))
    // a replayed relay (rows marked unrelayed again) must not send anything twice
    await h.runtime.ds.query(`UPDATE sends SET relayed_at = NULL WHERE id = ANY($1::bigint[])`, [ids])
    // only this test's rows: a sandbox send held until quiet hours end is not relayed yet, by design
    await eventually(async () => (await h.runtime.ds.query(`SELECT count(*)::int AS n FROM sends WHERE relayed_at IS NULL AND id = ANY($1::bigint[])`, [ids]))[0].n === 0)
    await new Promise((r) => setTimeout(r, 300))
    expect(botSaid(h, 'cust-zhao').filter((t) => t.startsWith('顺序消息'))).toHaveLength(10)
  })
})
