import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FileSpool } from '../../src/adapters/spool/file-spool.js'
import type { InboundMessage } from '../../src/app/inbound-message.js'

const msg = (n: number): InboundMessage => ({
  wecomId: `m-${n}`,
  roomId: 'r-1@chatroom',
  talkerId: 'wx-a',
  talkerName: '甲',
  self: false,
  type: 'text',
  text: `消息 ${n} \u200f‮ 😀`,
  mentionIds: [],
  attachment: null,
  saidAt: new Date(1_764_000_000_000 + n * 1000),
  receivedAt: new Date(1_764_000_000_500 + n * 1000),
})

describe('the inbound spool (append-only JSON lines, fsync per message)', () => {
  it('replays in order, with dates intact, and is empty afterwards', async () => {
    const spool = new FileSpool(mkdtempSync(join(tmpdir(), 'spool-')))
    for (let i = 1; i <= 5; i++) spool.append(msg(i))
    expect(spool.depth()).toBe(5)
    const seen: InboundMessage[] = []
    expect(await spool.replay(async (m) => void seen.push(m))).toBe(5)
    expect(seen).toEqual([1, 2, 3, 4, 5].map(msg))
    expect(spool.depth()).toBe(0)
    expect(readdirSync(spool.dir)).toEqual([])
  })

  it('a failure stops the replay; the next replay starts again from that segment, later appends after it', async () => {
    const spool = new FileSpool(mkdtempSync(join(tmpdir(), 'spool-')))
    for (let i = 1; i <= 3; i++) spool.append(msg(i))
    const seen: string[] = []
    await expect(
      spool.replay(async (m) => {
        if (m.wecomId === 'm-2') throw new Error('connect ECONNREFUSED')
        seen.push(m.wecomId)
      }),
    ).rejects.toThrow('ECONNREFUSED')
    spool.append(msg(4))
    expect(spool.depth()).toBe(4)
    await spool.replay(async (m) => void seen.push(m.wecomId))
    // m-1 is fed twice: recording is idempotent on the message id
    expect(seen).toEqual(['m-1', 'm-1', 'm-2', 'm-3', 'm-4'])
    expect(spool.depth()).toBe(0)
  })

  it('survives a restart: a new spool on the same folder finds the messages; a torn last line is skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'))
    const first = new FileSpool(dir)
    first.append(msg(1))
    first.append(msg(2))
    first.close()
    const [segment] = readdirSync(dir)
    appendFileSync(join(dir, segment!), '{"wecomId":"m-3","roomI')
    const second = new FileSpool(dir)
    expect(second.depth()).toBe(3)
    second.append(msg(4))
    const seen: string[] = []
    await second.replay(async (m) => void seen.push(m.wecomId))
    expect(seen).toEqual(['m-1', 'm-2', 'm-4'])
    expect(second.depth()).toBe(0)
  })
})
