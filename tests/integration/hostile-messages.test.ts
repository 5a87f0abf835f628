import fc from 'fast-check'
import { types as PuppetTypes } from 'wechaty-puppet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordMessage } from '../../src/app/record-message.js'
import type { InboundMessage } from '../../src/app/inbound-message.js'
import { Directory } from '../../src/app/directory.js'
import { SqlMessageStore } from '../../src/adapters/db/message-store.js'
import { createTelemetry } from '../../src/main/telemetry.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { eventually, testLogger } from '../support/test-env.js'

interface Row {
  wecom_id: string
  type: string
  text: string
  talker_id: string
  talker_name: string | null
  group_key: string | null
  mention_ids: string[]
  said_at: Date
  handled_at: Date | null
}

/** What PostgreSQL keeps of a JS string: UTF-8 (a lone surrogate becomes U+FFFD), no NUL. */
const asStored = (s: string) => Buffer.from(s, 'utf8').toString('utf8').replaceAll('\u0000', '')

// The odd Unicode people really send: direction marks, zero-width joiners, emoji sequences,
// full-width punctuation and digits, combining marks, CJK, plus lone surrogates and NUL.
const oddPiece = fc.oneof(
  fc.constantFrom('\u200f', '\u200e', '\u202e', '\u2066', '\u2069', '\u200b', '\u200c', '\u200d', '\ufeff', '\u2060', '\u00ad'),
  fc.constantFrom('👨‍👩‍👧‍👦', '🏳️‍🌈', '👍🏽', '🇨🇳', '❤️', '🈶', '㊙️', '\u{1F9D1}\u200d\u{1F527}'),
  fc.constantFrom('，', '。', '！', '？', '：', '；', '（', '）', '【', '】', '「', '」', '～', '＃', '／', '１２３', 'ＤＤ２０２６', '　'),
  fc.constantFrom('e\u0301', 'Z\u0351\u0360\u0337', '\ud800', '\udfff', '\u0000', '\r\n', '\t', '\u2028'),
  fc.constantFrom('好了', '已处理', '师傅', '照片', '#12', '案件3', 'DD20261101001', '@Baton', '/approve 1'),
  fc.fullUnicodeString({ maxLength: 6 }),
)
const oddText = fc.array(oddPiece, { minLength: 1, maxLength: 20 }).map((a) => a.join(''))

describe('bad input on the inbound pipeline (real PostgreSQL)', () => {
  let h: SandboxHarness
  let seq = 0
  const rows = (where: string, params: unknown[] = []): Promise<Row[]> => h.runtime.ds.query(`SELECT * FROM messages WHERE ${where} ORDER BY id`, params)
  const nextId = (p: string) => `hostile-${p}-${seq++}`

  /** Puts a raw payload in the mock tenant and emits it, as a puppet would. */
  function emitRaw(payload: Record<string, unknown> & { id: string }): void {
    const { mocker, puppet } = h.runtime.sandbox!
    mocker.cacheMessagePayload.set(payload.id, payload as never)
    puppet.emit('message', { messageId: payload.id })
  }

  /** A plain message after the odd one: it is recorded, so the pipeline is still alive. */
  async function stillAlive(): Promise<void> {
    const text = `marker-${seq++}`
    h.runtime.sandbox!.say({ as: 'wx-zhao', group: 'cust-zhao', text })
    await eventually(async () => (await rows('text = $1', [text])).length === 1, { timeoutMs: 15_000 })
  }

  async function stored(id: string): Promise<Row[]> {
    await eventually(async () => (await rows('wecom_id = $1 AND handled_at IS NOT NULL', [id])).length === 1, { timeoutMs: 20_000 })
    return rows('wecom_id = $1', [id])
  }

  beforeAll(async () => {
    h = await startSandbox({ roles: ['bot'] })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('a 100 KB text is stored whole, once, and decided', async () => {
    const id = nextId('huge')
    const text = `DD20261101001 ${'麻烦上传照片。'.repeat(7000)}`.slice(0, 100 * 1024)
    emitRaw({ id, talkerId: 'wx-zhang', roomId: 'r-cust-zhang@chatroom', text, timestamp: Date.now(), type: PuppetTypes.Message.Text, mentionIdList: [] })
    const [row] = await stored(id)
    expect(row!.text.length).toBe(text.length)
    expect(row!.text).toBe(text)
    await stillAlive()
  })

  it('odd Unicode is stored as PostgreSQL can hold it, exactly once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(oddText, async (text) => {
        const id = nextId('odd')
        emitRaw({ id, talkerId: 'wx-zhang', roomId: 'r-cust-zhang@chatroom', text, timestamp: Date.now(), type: PuppetTypes.Message.Text, mentionIdList: [] })
        const found = await stored(id)
        expect(found).toHaveLength(1)
        expect(found[0]!.text).toBe(asStored(text))
      }),
      { numRuns: 25 },
    )
    await stillAlive()
  }, 120_000)

  it.each([
    ['Unknown (0)', PuppetTypes.Message.Unknown],
    ['a type number no puppet defines (99)', 99],
    ['a negative type (-1)', -1],
  ])('a message of type %s is kept as "unknown"', async (_name, type) => {
    const id = nextId('type')
    emitRaw({ id, talkerId: 'wx-zhao', roomId: 'r-cust-zhao@chatroom', text: '', timestamp: Date.now(), type, mentionIdList: [] })
    const [row] = await stored(id)
    expect(row!.type).toBe('unknown')
    await stillAlive()
  })

  it('missing text, mentions and timestamp: recorded with empty text and the time it arrived', async () => {
    const id = nextId('bare')
    const before = Date.now()
    emitRaw({ id, talkerId: 'wx-zhao', roomId: 'r-cust-zhao@chatroom', type: PuppetTypes.Message.Text })
    const [row] = await stored(id)
    expect(row!.text).toBe('')
    expect(row!.mention_ids).toEqual([])
    expect(row!.said_at.getTime()).toBeGreaterThanOrEqual(before - 1000)
    expect(row!.said_at.getTime()).toBeLessThanOrEqual(Date.now() + 1000)
    await stillAlive()
  })

  it('a timestamp in seconds, in the far future or not a number never breaks recording', async () => {
    for (const timestamp of [Math.floor(Date.now() / 1000), 8.64e15 + 1, Number.NaN, 'yesterday']) {
      const id = nextId('ts')
      emitRaw({ id, talkerId: 'wx-zhao', roomId: 'r-cust-zhao@chatroom', text: `ts ${String(timestamp)}`, timestamp, type: PuppetTypes.Message.Text, mentionIdList: [] })
      const [row] = await stored(id)
      expect(Number.isNaN(row!.said_at.getTime())).toBe(false)
    }
    await stillAlive()
  })

  it('unknown people, unknown mentions and a missing talker are recorded or refused without stopping the session', async () => {
    const stranger = nextId('stranger')
    emitRaw({ id: stranger, talkerId: 'wx-nobody', roomId: 'r-cust-zhao@chatroom', text: '我是谁', timestamp: Date.now(), type: PuppetTypes.Message.Text, mentionIdList: ['wx-ghost', ''] })
    const [row] = await stored(stranger)
    expect(row!.talker_id).toBe('wx-nobody')

    const noTalker = nextId('no-talker')
    emitRaw({ id: noTalker, roomId: 'r-cust-zhao@chatroom', text: '没有发送人', timestamp: Date.now(), type: PuppetTypes.Message.Text })
    const noRoom = nextId('nowhere')
    emitRaw({ id: noRoom, talkerId: 'wx-zhao', roomId: 'r-nowhere@chatroom', text: '未知的群', timestamp: Date.now(), type: PuppetTypes.Message.Text })
    await stillAlive()
    // a message nobody said cannot be attributed: it is refused (logged), never half-stored
    expect(await rows('wecom_id = $1', [noTalker])).toEqual([])
    expect(await rows('wecom_id = $1', [noRoom])).toEqual([])
  })

  it('recordMessage keeps whatever a transport hands it, once (property, straight to PostgreSQL)', async () => {
    const store = new SqlMessageStore(h.runtime.ds)
    const deps = { store, directory: new Directory(h.tenant), log: testLogger(), telemetry: createTelemetry() }
    const inbound: fc.Arbitrary<InboundMessage> = fc.record({
      wecomId: fc.fullUnicodeString({ minLength: 1, maxLength: 40 }),
      roomId: fc.constantFrom(null, 'r-cust-zhang@chatroom', 'r-members@chatroom', 'r-internal@chatroom'),
      talkerId: fc.oneof(fc.constantFrom('wx-zhang', 'wx-handler-wang', 'wx-partner-li'), fc.fullUnicodeString({ maxLength: 20 })),
      talkerName: fc.oneof(fc.fullUnicodeString({ maxLength: 30 }), oddText),
      self: fc.boolean(),
      type: fc.constantFrom('text', 'image', 'unknown', 'system', 'recalled'),
      text: fc.oneof(oddText, fc.fullUnicodeString({ maxLength: 200 }), fc.constant('x'.repeat(100 * 1024))),
      mentionIds: fc.array(fc.fullUnicodeString({ maxLength: 10 }), { maxLength: 5 }),
      attachment: fc.option(fc.record({ name: oddText, mediaType: fc.string(), size: fc.nat() }, { requiredKeys: [] }), { nil: null }),
      saidAt: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01') }),
    }) as fc.Arbitrary<InboundMessage>
    await fc.assert(
      fc.asyncProperty(inbound, async (generated) => {
        // unique per run, shrinking included
        const msg = { ...generated, wecomId: `p-${seq++}-${generated.wecomId}` }
        const first = await recordMessage(deps, msg)
        const again = await recordMessage(deps, msg)
        expect(first.kind).toBe('recorded')
        expect(again.kind).toBe('duplicate')
        const found = await rows('wecom_id = $1', [asStored(msg.wecomId)])
        expect(found).toHaveLength(1)
        expect(found[0]!.text).toBe(asStored(msg.text))
        expect(found[0]!.talker_id).toBe(asStored(msg.talkerId))
      }),
      { numRuns: 60 },
    )
  }, 120_000)
})
