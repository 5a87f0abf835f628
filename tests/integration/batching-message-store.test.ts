import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DataSource } from 'typeorm'
import { createDataSource, ensureDatabase, runMigrations } from '../../src/adapters/db/data-source.js'
import { BatchingMessageStore } from '../../src/adapters/db/batching-message-store.js'
import { SqlMessageStore } from '../../src/adapters/db/message-store.js'
import type { RecordedMessage } from '../../src/app/inbound-message.js'
import { dropSchema, TEST_DATABASE_URL, uniqueName } from '../support/test-env.js'

const message = (wecomId: string, extra: Partial<RecordedMessage> = {}): Omit<RecordedMessage, 'id'> => ({
  wecomId,
  direction: 'inbound',
  groupKey: null,
  roomId: null,
  channel: 'direct',
  talkerId: 'wx-someone',
  talkerName: '某人',
  talkerRole: 'unknown',
  self: false,
  type: 'text',
  text: `消息 ${wecomId}`,
  mentionIds: [],
  attachment: null,
  saidAt: new Date('2026-11-26T08:00:00.123Z'),
  ...extra,
})

describe('recording a burst of messages in batches (one commit per batch)', () => {
  const schema = uniqueName('t')
  let ds: DataSource
  let store: BatchingMessageStore

  beforeAll(async () => {
    await ensureDatabase({ url: TEST_DATABASE_URL, schema })
    ds = await createDataSource({ url: TEST_DATABASE_URL, schema }).initialize()
    await runMigrations(ds)
    store = new BatchingMessageStore(ds, new SqlMessageStore(ds), 50)
  })
  afterAll(async () => {
    await ds?.destroy()
    await dropSchema(schema)
  })

  it('stores each message once, gives every caller its own id, and null to duplicates', async () => {
    const before = await store.insert(message('m-0'))
    expect(before).toBeGreaterThan(0)
    const burst = [
      ...Array.from({ length: 120 }, (_, i) => message(`m-${i + 1}`, i === 3 ? { mentionIds: ['wx-a', 'wx-b'], attachment: { name: 'a.jpg', size: 3 }, type: 'image', text: 'a\u0000b' } : {})),
      message('m-0'), // stored before the burst
      message('m-7'), // twice in the same burst
    ]
    const ids = await Promise.all(burst.map((m) => store.insert(m)))
    expect(ids.slice(0, 120).every((id) => typeof id === 'number')).toBe(true)
    expect(new Set(ids.slice(0, 120)).size).toBe(120)
    expect(ids.slice(120)).toEqual([null, null])
    const rows: Array<{ id: string; wecom_id: string; mention_ids: string[]; attachment: unknown; text: string; said_at: Date }> = await ds.query(`SELECT * FROM messages ORDER BY id`)
    expect(rows).toHaveLength(121)
    const m4 = rows.find((r) => r.wecom_id === 'm-4')!
    expect(Number(m4.id)).toBe(ids[3])
    expect(m4).toMatchObject({ mention_ids: ['wx-a', 'wx-b'], attachment: { name: 'a.jpg', size: 3 }, text: 'ab' })
    expect(m4.said_at.toISOString()).toBe('2026-11-26T08:00:00.123Z')
  })

  it('a late arrival re-issued under a new id is checked for its twin, not stored again; lone surrogates are cleaned in a batch too', async () => {
    const original = message('late-1', { text: '好的，下午拍照', saidAt: new Date('2026-11-26T09:00:00Z') })
    expect(await store.insert(original)).toBeGreaterThan(0)
    // the same message replayed under a new id, arriving late: the content window catches it
    expect(await store.insert({ ...original, wecomId: 'late-1-reissued' }, { replayWindowMs: 10_000 })).toBeNull()
    // without the window (a live message) the same words are a new message
    expect(await store.insert({ ...original, wecomId: 'late-1-live' })).toBeGreaterThan(0)

    const odd = await Promise.all([store.insert(message('odd-1', { text: 'x\uD800y', talkerName: 'a\u0000b' })), store.insert(message('odd-2'))])
    expect(odd.every((id) => typeof id === 'number')).toBe(true)
    const [row] = (await ds.query(`SELECT text, talker_name FROM messages WHERE wecom_id = 'odd-1'`)) as Array<{ text: string; talker_name: string }>
    expect(row).toEqual({ text: 'x\uFFFDy', talker_name: 'ab' })
  })
})
