import { describe, expect, it } from 'vitest'
import { loadMessagePayload, PayloadNotLoaded } from '../../src/adapters/wecom/payload-loader.js'

type Payload = { id: string; talkerId?: string; fromId?: string; roomId?: string }

/** A puppet whose payload loads answer from a script: an Error to throw, or a payload. */
function scriptedPuppet(script: Array<Error | Payload>) {
  const calls: string[] = []
  return {
    calls,
    puppet: {
      messagePayload: async (id: string) => {
        calls.push(id)
        const next = script.shift()
        if (!next) throw new Error('script exhausted')
        if (next instanceof Error) throw next
        return next as never
      },
    },
  }
}

const retry = { attempts: 4, delayMs: 1, maxDelayMs: 4 }

describe('loadMessagePayload', () => {
  it('retries a failing load with doubling waits and resolves once it loads', async () => {
    const { puppet, calls } = scriptedPuppet([new Error('timeout'), new Error('timeout'), { id: 'm1', talkerId: 'wx-a', roomId: 'r@chatroom' }])
    const waits: number[] = []
    await loadMessagePayload(puppet, 'm1', retry, { onRetry: (_attempt, delayMs) => waits.push(delayMs) })
    expect(calls).toEqual(['m1', 'm1', 'm1'])
    expect(waits).toEqual([1, 2])
  })

  it('gives up after its attempts with the last reason', async () => {
    const { puppet, calls } = scriptedPuppet([new Error('a'), new Error('b'), new Error('c'), new Error('not found')])
    const err = await loadMessagePayload(puppet, 'm2', retry).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PayloadNotLoaded)
    expect((err as PayloadNotLoaded).unloaded).toEqual({ messageId: 'm2', roomId: null, attempts: 4, reason: 'not found' })
    expect(calls).toHaveLength(4)
  })

  it('a payload without a talker is given up at once, naming its room (asking again would answer the same)', async () => {
    const { puppet, calls } = scriptedPuppet([{ id: 'm3', roomId: 'r-cust@chatroom' }])
    const err = await loadMessagePayload(puppet, 'm3', retry).catch((e: unknown) => e)
    expect((err as PayloadNotLoaded).unloaded).toMatchObject({ messageId: 'm3', roomId: 'r-cust@chatroom', attempts: 1, reason: 'payload has no talker' })
    expect(calls).toHaveLength(1)
  })

  it('a legacy payload with fromId instead of talkerId is fine', async () => {
    const { puppet } = scriptedPuppet([{ id: 'm4', fromId: 'wx-a' }])
    await expect(loadMessagePayload(puppet, 'm4', retry)).resolves.toBeUndefined()
  })

  it('stops retrying when the session stops, without giving the message up as unloaded', async () => {
    const { puppet, calls } = scriptedPuppet([new Error('timeout'), new Error('timeout')])
    const stop = new AbortController()
    const p = loadMessagePayload(puppet, 'm5', { attempts: 5, delayMs: 10_000, maxDelayMs: 10_000 }, { signal: stop.signal })
    await new Promise((r) => setTimeout(r, 10))
    stop.abort(new Error('session stopping'))
    const err = await p.catch((e: unknown) => e)
    expect(err).not.toBeInstanceOf(PayloadNotLoaded)
    expect(calls).toHaveLength(1)
  })
})
