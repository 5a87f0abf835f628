/**
 * The benchmark's WeCom: a wechaty-puppet-service gateway (gRPC, TLS, `insecure_` token) backed by
 * wechaty-puppet-mock, in a process of its own so its CPU and memory are not charged to Baton.
 * Driven over IPC by bench/run.ts: push messages (as fast as possible or at a steady rate) and
 * report what the bot says in each group, with timestamps.
 */
import { randomUUID } from 'node:crypto'
import type { EventEmitter } from 'node:events'
import { FileBox } from 'file-box'
import { PuppetServer } from 'wechaty-puppet-service'
import type { mock } from 'wechaty-puppet-mock'
import { loadTenant } from '../src/config/load-tenant.js'
import { SandboxTenant } from '../src/adapters/wecom/sandbox-tenant.js'
import { freePort } from '../tests/support/mock-gateway.js'
import type { SayItem } from './messages.js'

export type GatewayRequest =
  { op: 'push'; id: number; items: SayItem[]; ratePerSec?: number; at?: number[] } | { op: 'botCounts'; id: number } | { op: 'watch'; id: number; on: boolean } | { op: 'stop'; id: number }

export type GatewayEvent = { type: 'ready'; endpoint: string; token: string } | { type: 'reply'; id: number; result: unknown } | { type: 'botSaid'; group: string; text: string; at: number }

const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='
const send = (e: GatewayEvent) => process.send!(e)

async function main(): Promise<void> {
  const tenantConfig = loadTenant(process.argv[2]!)
  // behind one account of several (argv[3]) only that account's groups exist
  const tenant = new SandboxTenant(tenantConfig, process.argv[3])
  await tenant.puppet.start()
  tenant.populate()
  const botId = tenant.botRef().id
  const rooms = new Set(tenant.groups().map((g) => g.roomId))
  const mocker = tenant.mocker
  const roomOf = new Map<string, mock.RoomMock>()
  const botCounts: Record<string, number> = {}
  let watching = false
  for (const g of tenantConfig.groups) {
    if (!rooms.has(g.id!)) continue
    const room = mocker.RoomMock.load(g.id!)
    roomOf.set(g.key, room)
    ;(room as unknown as EventEmitter).on('message', (m: mock.MessageMock) => {
      if (m.talker().id !== botId) return
      botCounts[g.key] = (botCounts[g.key] ?? 0) + 1
      if (watching) send({ type: 'botSaid', group: g.key, text: m.text() ?? '', at: Date.now() })
    })
  }
  const contact = (id: string) => mocker.ContactMock.load(id)

  const token = `insecure_${randomUUID()}`
  const endpoint = `127.0.0.1:${await freePort()}`
  const server = new PuppetServer({ endpoint, puppet: tenant.puppet, token })
  await server.start()

  const say = (item: SayItem, at?: number): void => {
    const room = roomOf.get(item.group)
    // an item for a group this account is not in is the other account's
    if (!room) return
    // with WeCom's time stamp given: two accounts in one group hear the message with the same stamp
    if (at !== undefined)
      return tenant.say({ as: item.as, group: room.id, ...(item.image ? { image: item.image } : { text: item.text! }), ...(item.mentions ? { mentions: item.mentions } : {}), at: new Date(at) })
    const content = item.image ? FileBox.fromBase64(TINY_PNG, item.image) : item.text!
    contact(item.as)
      .say(content, (item.mentions ?? []).map(contact))
      .to(room)
  }

  /** Pushes items; with a rate, item i leaves at start + i/rate (drift-corrected). */
  const push = async (items: SayItem[], ratePerSec?: number, at?: number[]) => {
    const startedAt = Date.now()
    for (let i = 0; i < items.length; i++) {
      if (ratePerSec) {
        const wait = startedAt + (i * 1000) / ratePerSec - Date.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      } else if (i % 200 === 199) {
        // let the gRPC stream flush between bursts
        await new Promise((r) => setImmediate(r))
      }
      say(items[i]!, at?.[i])
    }
    return { startedAt, endedAt: Date.now(), count: items.length }
  }

  process.on('message', (req: GatewayRequest) => {
    void (async () => {
      switch (req.op) {
        case 'push':
          return send({ type: 'reply', id: req.id, result: await push(req.items, req.ratePerSec, req.at) })
        case 'botCounts':
          return send({ type: 'reply', id: req.id, result: { ...botCounts } })
        case 'watch':
          watching = req.on
          return send({ type: 'reply', id: req.id, result: true })
        case 'stop':
          await server.stop().catch(() => undefined)
          await tenant.puppet.stop().catch(() => undefined)
          send({ type: 'reply', id: req.id, result: true })
          return process.exit(0)
      }
    })()
  })
  process.on('disconnect', () => process.exit(0))
  send({ type: 'ready', endpoint, token })
}

void main().catch((err: Error) => {
  process.stderr.write(`gateway failed: ${err.stack ?? err.message}\n`)
  process.exit(1)
})
