import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { PuppetInterface } from 'wechaty-puppet/impls'
import { WechatyBuilder } from 'wechaty'
import { PuppetMock } from 'wechaty-puppet-mock'
import { MessageEventGate, messageEventGatePlugin } from '../../src/adapters/wecom/message-event-gate.js'

function setup(max: number, now = () => 0) {
  const puppet = new EventEmitter()
  const arrived: string[] = []
  const seen: string[] = []
  const gate = new MessageEventGate({ onArrival: (id) => arrived.push(id), max, staleMs: 1000, now })
  // Wechaty subscribes to the puppet's events before it announces the puppet (and the plugin attaches the gate)
  puppet.on('message', ({ messageId }: { messageId: string }) => seen.push(messageId))
  gate.attach(puppet as unknown as PuppetInterface)
  return { puppet, gate, arrived, seen }
}

describe('MessageEventGate', () => {
  it('lets `max` message events through and holds the rest, in arrival order', () => {
    const { puppet, gate, arrived, seen } = setup(2)
    for (const id of ['a', 'b', 'c', 'd']) puppet.emit('message', { messageId: id })
    expect(arrived).toEqual(['a', 'b', 'c', 'd']) // every arrival is reported at once
    expect(seen).toEqual(['a', 'b'])
    expect(gate.waiting).toBe(2)
    gate.done('b')
    expect(seen).toEqual(['a', 'b', 'c'])
    gate.done('unknown') // not in flight: frees nothing
    expect(seen).toEqual(['a', 'b', 'c'])
    gate.done('a')
    gate.done('c')
    expect(seen).toEqual(['a', 'b', 'c', 'd'])
    expect(gate.waiting).toBe(0)
    gate.stop()
  })

  it('takes over the listeners already on the puppet once, however often it is attached', () => {
    const { puppet, gate, seen } = setup(1)
    gate.attach(puppet as unknown as PuppetInterface)
    expect(puppet.listenerCount('message')).toBe(1) // the gate's own
    puppet.emit('message', { messageId: 'a' })
    puppet.emit('message', { messageId: 'b' })
    expect(seen).toEqual(['a'])
    gate.done('a')
    expect(seen).toEqual(['a', 'b'])
    gate.stop()
  })

  it('never holds other events', () => {
    const { puppet, gate } = setup(1)
    const dongs: unknown[] = []
    puppet.on('dong', (d) => dongs.push(d))
    puppet.emit('message', { messageId: 'a' })
    puppet.emit('message', { messageId: 'b' })
    puppet.emit('dong', { data: 'x' })
    expect(dongs).toEqual([{ data: 'x' }])
    gate.stop()
  })

  it('a message whose handling never finished gives its place up after staleMs', () => {
    let t = 0
    const { puppet, gate, seen } = setup(1, () => t)
    puppet.emit('message', { messageId: 'lost' })
    puppet.emit('message', { messageId: 'next' })
    expect(seen).toEqual(['lost'])
    t = 1500
    puppet.emit('message', { messageId: 'third' })
    expect(seen).toEqual(['lost', 'next'])
    gate.stop()
  })

  it('releases a long backlog completely, one place at a time', () => {
    const { puppet, gate, seen } = setup(3)
    for (let i = 0; i < 20_000; i++) puppet.emit('message', { messageId: `m${i}` })
    for (let i = 0; i < 20_000; i++) gate.done(`m${i}`)
    expect(seen).toHaveLength(20_000)
    expect(seen[19_999]).toBe('m19999')
    expect(new Set(seen).size).toBe(20_000)
    expect(gate.waiting).toBe(0)
    expect(gate.inFlight).toBe(0)
    gate.stop()
  })

  it('with a loader, an event reaches Wechaty once its payload loaded; one that never loads goes to onUnloaded and frees its place', async () => {
    const puppet = new EventEmitter()
    const seen: string[] = []
    const unloaded: string[] = []
    const loads = new Map<string, { resolve(): void; reject(e: Error): void }>()
    const gate = new MessageEventGate({
      onArrival: () => undefined,
      max: 1,
      load: (id) => new Promise<void>((resolve, reject) => void loads.set(id, { resolve, reject })),
      onUnloaded: (id) => void unloaded.push(id),
    })
    puppet.on('message', ({ messageId }: { messageId: string }) => seen.push(messageId))
    gate.attach(puppet as unknown as PuppetInterface)
    puppet.emit('message', { messageId: 'bad' })
    puppet.emit('message', { messageId: 'good' })
    expect(seen).toEqual([]) // not before its payload is loaded
    expect([...loads.keys()]).toEqual(['bad']) // the second waits for the place
    loads.get('bad')!.reject(new Error('never loads'))
    await new Promise((r) => setTimeout(r, 0))
    expect(unloaded).toEqual(['bad'])
    expect(seen).toEqual([])
    expect(gate.inFlight).toBe(1) // its place went to the next event
    loads.get('good')!.resolve()
    await new Promise((r) => setTimeout(r, 0))
    expect(seen).toEqual(['good'])
    gate.stop()
  })
})

describe('messageEventGatePlugin', () => {
  it('puts the gate in front of the message events of the puppet Wechaty starts with', async () => {
    const puppet = new PuppetMock()
    const bot = WechatyBuilder.build({ name: 'gate-plugin', puppet })
    const arrived: string[] = []
    const gate = new MessageEventGate({ onArrival: (id) => arrived.push(id), max: 0 })
    bot.use(messageEventGatePlugin(gate))
    const wechatyHeard: string[] = []
    bot.on('error', (e) => void wechatyHeard.push(e.message))
    await bot.start()
    try {
      expect(puppet.listenerCount('message')).toBe(1) // the gate alone listens; Wechaty hears the gate
      puppet.emit('message', { messageId: 'held' })
      await new Promise((r) => setTimeout(r, 20))
      expect(arrived).toEqual(['held'])
      expect(gate.waiting).toBe(1) // max 0: nothing reaches Wechaty (it would report an unknown message)
      expect(wechatyHeard).toEqual([])
    } finally {
      gate.stop()
      await bot.stop()
    }
  })
})
