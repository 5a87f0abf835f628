/**
 * The fault suite's gateway, run as its own process so it can be killed: a wechaty-puppet-service
 * server backed by the sandbox's wechaty-puppet-mock tenant, driven over IPC by the suite.
 *
 * It behaves like a puppet provider that keeps recent history: whenever a client attaches
 * after having gone away, it re-emits what it emitted from shortly before the client left
 * (duplicates Baton must recognise) up to now (messages Baton would otherwise never see).
 * Messages handed over with `hold` (history carried over from a killed gateway) are emitted once
 * a client attaches; `reissue` ones come with a new id, like puppets that re-issue ids.
 */
import type { EventEmitter } from 'node:events'
import { types as PuppetTypes } from 'wechaty-puppet'
import { PuppetServer } from 'wechaty-puppet-service'
import { loadTenant } from '../../../src/config/load-tenant.js'
import { SandboxTenant } from '../../../src/adapters/wecom/sandbox-tenant.js'

export interface SaidMessage {
  id: string
  talkerId: string
  roomId: string
  text: string
  /** epoch ms when it was said (the message's timestamp) */
  at: number
}

export type GatewayCommand =
  | { op: 'say'; msg: SaidMessage }
  | { op: 'hold'; msgs: Array<SaidMessage & { reissue?: boolean }> }
  | { op: 'failSends'; forMs: number }
  | { op: 'swallowNextSend' }
  | { op: 'listen' }
  | { op: 'emitUnloadable'; id: string }

export type GatewayEvent =
  | { ev: 'booted' }
  | { ev: 'ready' }
  | { ev: 'sent'; conversationId: string; text: string; at: number }
  | { ev: 'sendRefused'; conversationId: string; at: number }
  | { ev: 'attached'; replayed: number }
  | { ev: 'detached' }

const REPLAY_BEFORE_DETACH_MS = 30_000
const ATTACH_SETTLE_MS = 1500

const [tenantFile, endpoint, token, accountKey] = process.argv.slice(2)
if (!tenantFile || !endpoint || !token) throw new Error('usage: gateway-process <tenant file> <endpoint> <token> [account key]')
const send = (e: GatewayEvent) => process.send?.(e)

const tenantConfig = loadTenant(tenantFile)
const sandbox = new SandboxTenant(tenantConfig, accountKey)
const puppet = sandbox.puppet
await puppet.start()
sandbox.populate()

// Baton's reset or shutdown calls stop over gRPC; like a hosted account, log back in on the next start.
sandbox.loginAgainOnStart()

let failUntil = 0
let swallowNext = false
const originalSend = puppet.messageSendText.bind(puppet)
// Every send the bot makes is reported to the suite, which keeps the ledger across restarts.
puppet.messageSendText = async (conversationId: string, text: string) => {
  if (Date.now() < failUntil) {
    send({ ev: 'sendRefused', conversationId, at: Date.now() })
    throw Object.assign(new Error('WorkPro error 20001: 操作过于频繁，请稍后再试'), { code: 20001 })
  }
  if (swallowNext) {
    // WeCom never says it and never answers: the bot cannot tell whether it arrived
    swallowNext = false
    return new Promise<never>(() => undefined)
  }
  const r = await originalSend(conversationId, text)
  send({ ev: 'sent', conversationId, text, at: Date.now() })
  return r
}

const history: Array<{ id: string; emittedAt: number }> = []
// The bot's own messages are part of the conversation a provider replays, too (Baton settles a
// send cut off by a crash by finding its echo).
const botId = sandbox.botRef().id
// behind one account of several, only that account's groups exist
const rooms = new Set(sandbox.groups().map((g) => g.roomId))
for (const g of tenantConfig.groups) {
  if (!rooms.has(g.id ?? `r-${g.key}@chatroom`)) continue
  const room = sandbox.mocker.RoomMock.load(g.id ?? `r-${g.key}@chatroom`) as unknown as EventEmitter
  room.on('message', (m: { id: string; talker(): { id: string } }) => {
    if (m.talker().id === botId) history.push({ id: m.id, emittedAt: Date.now() })
  })
}

function create(m: SaidMessage): void {
  sandbox.mocker.MessageMock.create({ id: m.id, talkerId: m.talkerId, roomId: m.roomId, text: m.text, timestamp: m.at, type: PuppetTypes.Message.Text, mentionIdList: [] })
}
function emit(id: string): void {
  puppet.emit('message', { messageId: id })
}

let attached = false
// a fresh gateway has had no client yet: everything it emits before the first one attaches is replayed then
let detachedAt = Date.now()
setInterval(() => {
  const now = puppet.listenerCount('message') > 0
  if (now === attached) return
  attached = now
  if (!now) {
    detachedAt = Date.now()
    send({ ev: 'detached' })
    return
  }
  const since = detachedAt - REPLAY_BEFORE_DETACH_MS
  setTimeout(() => {
    const replay = history.filter((h) => h.emittedAt >= since).map((h) => h.id)
    for (const id of replay) emit(id)
    send({ ev: 'attached', replayed: replay.length })
  }, ATTACH_SETTLE_MS)
}, 100).unref()

process.on('message', (raw) => {
  const cmd = raw as GatewayCommand
  switch (cmd.op) {
    case 'say':
      create(cmd.msg)
      history.push({ id: cmd.msg.id, emittedAt: Date.now() })
      emit(cmd.msg.id)
      break
    case 'hold':
      for (const m of cmd.msgs) {
        const id = m.reissue ? `${m.id}-re` : m.id
        create({ ...m, id })
        // emitted (replayed) when the first client attaches
        history.push({ id, emittedAt: Date.now() })
      }
      break
    case 'failSends':
      failUntil = Date.now() + cmd.forMs
      break
    case 'emitUnloadable':
      // an event for a message the puppet cannot load: its payload never arrives
      emit(cmd.id)
      break
    case 'swallowNextSend':
      swallowNext = true
      break
    case 'listen':
      // after any `hold`, so a client that attaches at once still gets the carried-over history
      void new PuppetServer({ endpoint, puppet, token }).start().then(() => send({ ev: 'ready' }))
      break
  }
})
process.on('disconnect', () => process.exit(0))
send({ ev: 'booted' })
